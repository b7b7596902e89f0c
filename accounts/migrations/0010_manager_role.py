"""The read-only manager role (and the audit action of the statistics report PDF): a group that may view the statistics' summary tables.

What a manager may open is decided by `accounts.roles` (`Roles.reports`) and
`imrsite.access.reports_required`; the group's model permissions say no more
than "view the reports' own tables". No case, party or letter permission.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def create_manager(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="manager")
    group.permissions.set(Permission.objects.filter(content_type__app_label="reports", codename__startswith="view_"))


def remove_manager(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="manager").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_audit_correction_actions"),
        ("reports", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[("intake", "Intake staff"), ("reviewer", "Physician reviewer"), ("admin", "Administrator"),
                         ("manager", "Manager (reports, read-only)")],
                help_text="Sent to everyone in this role.",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ('case.list', 'Case list or queue viewed'),
                    ('case.view', 'Case viewed'),
                    ('case.create', 'Case registered'),
                    ('case.screen', 'Case screened'),
                    ('case.status', 'Case status changed'),
                    ('case.update', 'Case dates changed'),
                    ('document.upload', 'Document uploaded'),
                    ('document.download', 'Document downloaded'),
                    ('document.withdraw', 'Document withdrawn from the case'),
                    ('party.update', 'Party details updated'),
                    ('assignment.create', 'Case offered to a reviewer'),
                    ('assignment.accept', 'Assignment accepted'),
                    ('assignment.decline', 'Assignment declined'),
                    ('assignment.withdraw', 'Assignment withdrawn by intake'),
                    ('determination.view', 'Determination viewed'),
                    ('determination.save', 'Determination draft saved'),
                    ('determination.finalize', 'Determination finalized'),
                    ('letter.preview', 'Letter previewed'),
                    ('letter.request', 'Letter issued (rendering requested)'),
                    ('letter.render', 'Letter rendered'),
                    ('letter.download', 'Letter downloaded'),
                    ('admin.change', 'Changed in admin'),
                    ('auth.login', 'Signed in'),
                    ('auth.logout', 'Signed out'),
                    ('auth.failure', 'Sign-in failed'),
                    ('auth.lockout', 'Account locked out'),
                    ('auth.mfa_failure', 'Second factor failed'),
                    ('authz.denied', 'Access denied'),
                    ('integrity.mismatch', 'Stored file failed its integrity check'),
                    ('emergency.grant', 'Emergency access granted'),
                    ('report.render', 'Statistics report rendered'),
                    ('emergency.revoke', 'Emergency access revoked'),
                    ('user.deactivate', 'User deactivated'),
                    ('user.reactivate', 'User reactivated'),
                    ('auth.mfa_reset', 'Two-factor authentication reset'),
                    ('auth.unlock', 'Sign-in lockout released'),
                    ('reviewer.credentials', 'Reviewer credentials changed'),
                    ('party.contact', 'Party contact details changed'),
                    ('notice.issue', 'Notice issued (rendering requested)'),
                    ('notice.render', 'Notice or mail batch rendered'),
                    ('notice.download', 'Notice or mail batch downloaded'),
                    ('delivery.update', 'Delivery recorded (sent, delivered, failed or retried)'),
                    ('mail_batch.update', 'Mail batch prepared or mailed'),
                    ('records.complete', 'Records declared complete'),
                    ('info_request.update', 'Information request sent, answered or expired'),
                    ('correspondence.view', 'Correspondence list or report viewed'),
                    ('api.token', 'API token issued'),
                    ('api.account', 'API service account changed'),
                    ('api.manifest', 'API notice manifest read or acknowledged'),
                ],
                max_length=40,
            ),
        ),
        migrations.RunPython(create_manager, remove_manager),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('case.list', 'Case list or queue viewed'), ('case.view', 'Case viewed'), ('case.create', 'Case registered'), ('case.screen', 'Case screened'), ('case.status', 'Case status changed'), ('case.update', 'Case dates changed'), ('document.upload', 'Document uploaded'), ('document.download', 'Document downloaded'), ('document.withdraw', 'Document withdrawn from the case'), ('party.update', 'Party details updated'), ('assignment.create', 'Case offered to a reviewer'), ('assignment.accept', 'Assignment accepted'), ('assignment.decline', 'Assignment declined'), ('assignment.withdraw', 'Assignment withdrawn by intake'), ('determination.view', 'Determination viewed'), ('determination.save', 'Determination draft saved'), ('determination.finalize', 'Determination finalized'), ('correction.open', 'Correction of a final determination opened'), ('correction.reviewer', 'Correction given to another reviewer'), ('determination.supersede', 'Determination superseded by its correction'), ('letter.preview', 'Letter previewed'), ('letter.request', 'Letter issued (rendering requested)'), ('letter.render', 'Letter rendered'), ('letter.download', 'Letter downloaded'), ('admin.change', 'Changed in admin'), ('auth.login', 'Signed in'), ('auth.logout', 'Signed out'), ('auth.failure', 'Sign-in failed'), ('auth.lockout', 'Account locked out'), ('auth.mfa_failure', 'Second factor failed'), ('authz.denied', 'Access denied'), ('integrity.mismatch', 'Stored file failed its integrity check'), ('emergency.grant', 'Emergency access granted'), ('report.render', 'Statistics report rendered'), ('emergency.revoke', 'Emergency access revoked'), ('user.deactivate', 'User deactivated'), ('user.reactivate', 'User reactivated'), ('auth.mfa_reset', 'Two-factor authentication reset'), ('auth.unlock', 'Sign-in lockout released'), ('reviewer.credentials', 'Reviewer credentials changed'), ('party.contact', 'Party contact details changed'), ('notice.issue', 'Notice issued (rendering requested)'), ('notice.render', 'Notice or mail batch rendered'), ('notice.download', 'Notice or mail batch downloaded'), ('delivery.update', 'Delivery recorded (sent, delivered, failed or retried)'), ('mail_batch.update', 'Mail batch prepared or mailed'), ('records.complete', 'Records declared complete'), ('info_request.update', 'Information request sent, answered or expired'), ('correspondence.view', 'Correspondence list or report viewed'), ('api.token', 'API token issued'), ('api.account', 'API service account changed'), ('api.manifest', 'API notice manifest read or acknowledged')], max_length=40),
        ),
    
    ]
