from django.db import migrations

PLATFORM_SCHEMA = "public"


def load_roles(apps, schema_editor):
    from accounts.roles import ROLES

    Role = apps.get_model("accounts", "Role")
    # Least privilege: the public schema knows only platform roles, an association only its own.
    scope = "platform" if schema_editor.connection.schema_name == PLATFORM_SCHEMA else "association"
    for role in ROLES:
        if role["scope"] == scope:
            Role.objects.update_or_create(code=role["code"], defaults=role)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load_roles, migrations.RunPython.noop)]
