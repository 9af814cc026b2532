from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0017_saved_methods_subscription_revenue"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgeraccount",
            name="kind",
            field=models.CharField(
                choices=[
                    ("gateway_funds", "Customer funds at the gateway"),
                    ("payouts_in_transit", "Payouts in transit"),
                    ("order_escrow", "Order escrow"),
                    ("provider_pending", "Provider balance (pending)"),
                    ("provider_available", "Provider balance (available)"),
                    ("tax_liability", "Tax owed on services"),
                    ("fee_tax_liability", "Tax owed on the platform's fees"),
                    ("commission_revenue", "Commission revenue"),
                    ("service_fee_revenue", "Service fee revenue"),
                    ("cancellation_fee_revenue", "Cancellation fee revenue"),
                    ("promotions_expense", "Discounts funded by the platform"),
                    ("penalty_revenue", "Fines revenue"),
                    ("provider_receivable", "Fines owed by the provider"),
                    ("lead_fee_revenue", "Lead fees revenue"),
                    ("promotion_revenue", "Promotion revenue"),
                    ("subscription_revenue", "Subscription revenue"),
                    ("sla_compensation_expense", "Compensation for broken promises"),
                    ("staff_pending", "Staff earnings (pending)"),
                    ("staff_available", "Staff earnings (available)"),
                    ("guarantee_fund", "Guarantee fund"),
                    ("guarantee_funding", "Guarantee fund contributions"),
                    ("points_liability", "Points owed to customers"),
                    ("credit_liability", "Credit owed to customers"),
                    ("rewards_expense", "Rewards (points, referrals, partners)"),
                    ("refunds_paid", "Refunds paid"),
                    ("payouts_paid", "Payouts paid"),
                ],
                max_length=32,
            ),
        ),
    ]
