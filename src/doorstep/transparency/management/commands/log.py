"""``doorstep log append|publish|verify|keygen``: the transparency log by hand.

``append`` logs what settled and ``publish`` signs a checkpoint (the worker does
both every two minutes; ops run them to publish on demand); ``verify`` checks
the whole log (exit status 1 on any problem); ``keygen`` prints a new signing
key and its verifier key.
"""

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from django.core.management.base import BaseCommand, CommandError

from doorstep.transparency import signing
from doorstep.transparency.services import append_all_pending, publish_checkpoint
from doorstep.transparency.verify import verify_log


class Command(BaseCommand):
    help = "The transparency log: append, publish a checkpoint, verify, keygen."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["append", "publish", "verify", "keygen"])
        parser.add_argument(
            "--no-sources",
            action="store_true",
            help="verify: skip rebuilding records from their source rows",
        )

    def handle(self, *args, action: str, no_sources: bool = False, **options) -> None:
        if action == "append":
            self.stdout.write(f"Appended {append_all_pending()} entries.")
        elif action == "publish":
            appended = append_all_pending()
            checkpoint = publish_checkpoint()
            self.stdout.write(f"Appended {appended} entries; checkpoint:\n")
            self.stdout.write(checkpoint.note)
        elif action == "keygen":
            key = Ed25519PrivateKey.generate()
            raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            self.stdout.write(
                f"DOORSTEP_TLOG_SIGNING_KEY={base64.b64encode(raw).decode()}"
            )
            self.stdout.write(
                "verifier key: "
                + signing.verifier_key(public_key=signing.public_key_bytes(key))
            )
        else:
            self._verify(sources=not no_sources)

    def _verify(self, *, sources: bool) -> None:
        report = verify_log(sources=sources)
        for problem in report.problems[:200]:
            self.stdout.write(self.style.ERROR(problem))
        summary = (
            f"{report.checked_leaves} leaves, {report.checked_nodes} subtree hashes, "
            f"{report.checked_checkpoints} checkpoints checked"
        )
        if not report.ok:
            raise CommandError(f"{len(report.problems)} problem(s); {summary}")
        self.stdout.write(self.style.SUCCESS(f"The log verifies: {summary}."))
