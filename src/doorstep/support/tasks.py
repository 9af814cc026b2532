def send_follow_up_surveys() -> dict[str, int]:
    """Periodic job ``send_follow_up_surveys``: invite the customers of orders
    completed a day ago to the follow-up survey."""
    from doorstep.support import surveys

    return surveys.send_follow_up_surveys()
