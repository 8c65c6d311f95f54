"""Signal receivers. They only hand over to services and selectors."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from crm.signals import lead_answers_adopted, privacy_request_answered, reclassification_requested

from . import selectors, services
from .models import Choice, Question, Questionnaire


@receiver(reclassification_requested, dispatch_uid="qualification.reclassify_requested_leads")
def reclassify_requested_leads(sender, lead_ids, requested_by=None, **kwargs):
    """Staff asked for these leads to be scored again: re-score them with the current rules."""
    services.leads_reclassify(lead_ids=lead_ids)


@receiver(lead_answers_adopted, dispatch_uid="qualification.answers_adopted")
def adopt_submission_answers(sender, lead, reference, **kwargs):
    """Staff accepted a later submission's answers for a lead: its result goes on the lead."""
    services.submission_adopt_answers(lead=lead, public_id=reference)


@receiver(privacy_request_answered, dispatch_uid="qualification.privacy_answer")
def send_privacy_answer(sender, privacy_request, **kwargs):
    """Staff answered a person's request: e-mail them the answer once this commits."""
    services.send_after_commit(services.PRIVACY_ANSWER_TASK, privacy_request.pk)


@receiver(post_save, sender=Questionnaire, dispatch_uid="qualification.questionnaire_saved")
@receiver(post_delete, sender=Questionnaire, dispatch_uid="qualification.questionnaire_deleted")
@receiver(post_save, sender=Question, dispatch_uid="qualification.question_saved")
@receiver(post_save, sender=Choice, dispatch_uid="qualification.choice_saved")
def forget_questionnaires(sender, **kwargs):
    """A questionnaire changed here is seen by this process's next post at once."""
    selectors.questionnaires_forget()
