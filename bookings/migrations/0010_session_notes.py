# Session notes: the note, its checklist snapshot, body map, referrals, addenda, home care
# and the access log. The cross-app dependencies are the models these tables point at.
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_booking_policy_row"),
        ("clinic", "0002_roles"),
        ("treatments", "0004_contraindication_catalogue"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SessionNote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('signed', 'Signed')], default='draft', max_length=10)),
                ('signed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('treated', models.BooleanField(default=True, help_text='Untick when the client was referred and not treated today.')),
                ('complaint', models.TextField(blank=True, help_text="In the client's words.", verbose_name='chief complaint')),
                ('onset', models.CharField(blank=True, max_length=240)),
                ('pattern', models.CharField(blank=True, help_text='Constant, comes and goes, ...', max_length=240)),
                ('below_knee', models.CharField(blank=True, choices=[('', 'Not asked'), ('yes', 'Yes'), ('no', 'No')], max_length=3, verbose_name='leg pain below the knee')),
                ('tingling_numbness', models.CharField(blank=True, choices=[('', 'Not asked'), ('yes', 'Yes'), ('no', 'No')], max_length=3, verbose_name='tingling or numbness')),
                ('aggravating', models.TextField(blank=True, verbose_name='aggravating factors')),
                ('easing', models.TextField(blank=True, verbose_name='easing factors')),
                ('goals', models.TextField(blank=True)),
                ('observations', models.TextField(blank=True, help_text='Posture, gait.')),
                ('palpation', models.TextField(blank=True, help_text='Tone, tenderness, trigger points.')),
                ('range_of_motion', models.TextField(blank=True, help_text='Hip and lumbar.')),
                ('techniques', models.TextField(blank=True)),
                ('treatment_minutes', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('client_response', models.TextField(blank=True)),
                ('assessment', models.TextField(blank=True, verbose_name='clinical impression')),
                ('modification', models.TextField(blank=True, help_text='How treatment was modified (pressure limit, position).')),
                ('pain_before', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='pain before (0-10)')),
                ('pain_after', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='pain after (0-10)')),
                ('plan', models.TextField(blank=True, help_text='Next visit, frequency.')),
                ('verdict', models.JSONField(blank=True, default=dict, editable=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('appointment', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='note', to='bookings.appointment')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='session_notes', to='clinic.client')),
                ('signed_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('therapist', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='session_notes', to='clinic.therapist')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='NoteReferral',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('referred_to', models.CharField(help_text='To whom (e.g. emergency department, GP).', max_length=160)),
                ('urgency', models.CharField(choices=[('emergency', 'Emergency: now'), ('urgent', 'Urgent: same day or within days'), ('routine', 'Routine')], max_length=10)),
                ('client_told', models.TextField(help_text='What the client was told.')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('note', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='referrals', to='bookings.sessionnote')),
            ],
            options={
                'ordering': ['note', 'created_at'],
            },
        ),
        migrations.CreateModel(
            name='NoteChecklistItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40)),
                ('wording', models.TextField()),
                ('answer', models.CharField(choices=[('yes', 'Yes'), ('no', 'No'), ('not-asked', 'Not asked')], max_length=20)),
                ('action', models.CharField(blank=True, help_text='Action for this treatment.', max_length=20)),
                ('remark', models.CharField(blank=True, max_length=240)),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='treatments.contraindicationversion')),
                ('note', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checklist', to='bookings.sessionnote')),
            ],
            options={
                'ordering': ['note', 'id'],
            },
        ),
        migrations.CreateModel(
            name='NoteAddendum',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('reason', models.CharField(max_length=240)),
                ('text', models.TextField()),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('note', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='addenda', to='bookings.sessionnote')),
            ],
            options={
                'verbose_name_plural': 'note addenda',
                'ordering': ['note', 'created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='HomeCareAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('sent_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='home_care', to='clinic.client')),
                ('sheet', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='treatments.homecaresheet')),
                ('note', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='home_care', to='bookings.sessionnote')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='BodyMapEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('side', models.CharField(choices=[('left', 'Left'), ('right', 'Right'), ('both', 'Both')], default='both', max_length=5)),
                ('trigger_point', models.CharField(choices=[('none', 'None'), ('active', 'Active'), ('latent', 'Latent')], default='none', max_length=6)),
                ('referral_pattern', models.CharField(blank=True, max_length=240)),
                ('tenderness', models.PositiveSmallIntegerField(blank=True, help_text='0-10; blank when not assessed.', null=True)),
                ('tension', models.CharField(choices=[('none', 'None'), ('mild', 'Mild'), ('moderate', 'Moderate'), ('marked', 'Marked')], default='none', max_length=8)),
                ('treated', models.BooleanField(default=False)),
                ('avoided', models.BooleanField(default=False)),
                ('pressure', models.PositiveSmallIntegerField(blank=True, help_text='0 still hold, 1 light, 2 heavier lotioning, 3 typical, 4 deep, 5 very deep.', null=True)),
                ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='treatments.bodysite')),
                ('note', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='body_map', to='bookings.sessionnote')),
            ],
            options={
                'verbose_name_plural': 'body map entries',
                'ordering': ['note', 'site__sort_order', 'side'],
            },
        ),
        migrations.CreateModel(
            name='AccessLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('action', models.CharField(choices=[('view', 'View'), ('print', 'Print'), ('export', 'Export'), ('create', 'Create'), ('change', 'Change'), ('sign', 'Sign'), ('addendum', 'Addendum')], max_length=10)),
                ('object_type', models.CharField(help_text='Model label, e.g. bookings.sessionnote.', max_length=60)),
                ('object_id', models.CharField(max_length=64)),
                ('ip', models.GenericIPAddressField(blank=True, null=True)),
                ('client', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinic.client')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['client', '-at'], name='bookings_ac_client__76b8f6_idx'), models.Index(fields=['object_type', 'object_id'], name='bookings_ac_object__ca465b_idx')],
            },
        ),
        migrations.AddIndex(
            model_name='sessionnote',
            index=models.Index(fields=['client', '-created_at'], name='bookings_se_client__ffe6bb_idx'),
        ),
        migrations.AddConstraint(
            model_name='sessionnote',
            constraint=models.CheckConstraint(condition=models.Q(('pain_before__isnull', True), ('pain_before__lte', 10), _connector='OR'), name='bookings_sessionnote_pain_before_nrs', violation_error_message='Pain is scored from 0 to 10.'),
        ),
        migrations.AddConstraint(
            model_name='sessionnote',
            constraint=models.CheckConstraint(condition=models.Q(('pain_after__isnull', True), ('pain_after__lte', 10), _connector='OR'), name='bookings_sessionnote_pain_after_nrs', violation_error_message='Pain is scored from 0 to 10.'),
        ),
        migrations.AddConstraint(
            model_name='sessionnote',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('signed_at__isnull', False), ('signed_by__isnull', False), ('status', 'signed')), models.Q(('signed_at__isnull', True), ('signed_by__isnull', True), ('status', 'draft')), _connector='OR'), name='bookings_sessionnote_signed_has_signature', violation_error_message='A signed note has a signer and a time; a draft has neither.'),
        ),
        migrations.AddConstraint(
            model_name='notereferral',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('referred_to', ''), _negated=True), models.Q(('client_told', ''), _negated=True)), name='bookings_notereferral_text_set', violation_error_message='Say to whom and what the client was told.'),
        ),
        migrations.AddConstraint(
            model_name='notechecklistitem',
            constraint=models.UniqueConstraint(fields=('note', 'code'), name='bookings_notechecklistitem_one_per_code', violation_error_message='The checklist already has this item.'),
        ),
        migrations.AddConstraint(
            model_name='noteaddendum',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reason', ''), _negated=True), models.Q(('text', ''), _negated=True)), name='bookings_noteaddendum_reason_and_text_set', violation_error_message='An addendum needs a reason and a text.'),
        ),
        migrations.AddConstraint(
            model_name='homecareassignment',
            constraint=models.UniqueConstraint(fields=('note', 'sheet'), name='bookings_homecareassignment_one_per_sheet', violation_error_message='This sheet is already given in this session.'),
        ),
        migrations.AddConstraint(
            model_name='bodymapentry',
            constraint=models.UniqueConstraint(fields=('note', 'site', 'side'), name='bookings_bodymapentry_one_per_site_side', violation_error_message='This site and side is already on the body map.'),
        ),
        migrations.AddConstraint(
            model_name='bodymapentry',
            constraint=models.CheckConstraint(condition=models.Q(('tenderness__isnull', True), ('tenderness__lte', 10), _connector='OR'), name='bookings_bodymapentry_tenderness_nrs', violation_error_message='Tenderness is scored from 0 to 10.'),
        ),
        migrations.AddConstraint(
            model_name='bodymapentry',
            constraint=models.CheckConstraint(condition=models.Q(('pressure__isnull', True), ('pressure__lte', 5), _connector='OR'), name='bookings_bodymapentry_pressure_scale', violation_error_message='Pressure is on the 0-5 scale.'),
        ),
        migrations.AddConstraint(
            model_name='bodymapentry',
            constraint=models.CheckConstraint(condition=models.Q(('avoided', True), ('treated', True), _negated=True), name='bookings_bodymapentry_not_treated_and_avoided', violation_error_message='A site cannot be both treated and avoided.'),
        ),
        ]
