from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .nps_score import DEFAULT_ANSWER_CHANGE_DAYS


class NpsSurveyEntry(models.AbstractModel):
    """What may be written on a survey and by whom, apart from the survey (as ``nps.survey.send`` is for
    sending): the score's range, the customer a survey needs, the answer that only the customer gives (or an
    NPS manager imports, logged), and the control group nobody sets by hand. ``nps.survey``'s create and
    write call it before anything is stored; the database constraints back it."""

    _name = "nps.survey.entry"
    _description = "NPS survey entry checks"

    # What only the customer writes (from the survey page), or an NPS manager imports.
    _ANSWER_FIELDS = (
        "score",
        "comment",
        "followup",
        "contact_allowed",
        "contact_allowed_date",
        "quote_allowed",
        "quote_allowed_date",
        "answer_date",
        "answer_editable_until",
    )

    @api.model
    def _check_values(self, vals, anonymized):
        """Refuse a score that is not a whole number from 0 to 10 and a survey left without a customer (only
        an anonymised answer has none). Normalises a whole float score in ``vals`` to an int."""
        if "partner_id" in vals and not vals["partner_id"] and not anonymized:
            raise ValidationError(self.env._("A survey needs a customer."))
        if "score" not in vals or vals["score"] is False or vals["score"] is None:
            return
        score = vals["score"]
        if isinstance(score, float) and score.is_integer():
            score = int(score)
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise ValidationError(
                self.env._("The score must be a whole number from 0 to 10, not %(score)r.", score=vals["score"])
            )
        vals["score"] = score

    @api.model
    def _check_answer_source(self, surveys, vals, create=False):
        """Refuse answers not given by the customer and a control group not drawn.

        The system (superuser) writes them: the survey page records the customer's answer, the answer draws
        the control group. An NPS manager may import answers: ``import_file`` is in the context of an import,
        and since a context can be forged over RPC, the manager group is what counts; each imported answer is
        logged on the survey. Return the labels of the imported answer's fields ("" if none).
        """
        if self.env.su:
            return ""
        if create:
            answer = [name for name in self._ANSWER_FIELDS if vals.get(name)]
            answer += ["state"] if vals.get("state") == "answered" else []
            holdout = bool(vals.get("holdout"))
            if "access_token" in vals and not self.env.user._is_system():
                raise AccessError(self.env._("A survey's key is generated with the survey: it cannot be chosen."))
        else:
            answer = [name for name in self._ANSWER_FIELDS if name in vals]
            if "state" in vals and (vals["state"] == "answered" or "answered" in surveys.mapped("state")):
                answer.append("state")
            holdout = "holdout" in vals
        if holdout:
            raise AccessError(
                self.env._(
                    "The control group is drawn at random when the customer answers: "
                    "nobody puts a survey into it or takes one out of it by hand."
                )
            )
        if not answer:
            return ""
        survey_fields = self.env["nps.survey"]._fields
        labels = ", ".join(survey_fields[name]._description_string(self.env) for name in answer)
        if self.env.context.get("import_file") and self.env.user.has_group("nps_closed_loop.group_nps_manager"):
            return labels
        raise AccessError(
            self.env._(
                "Only the customer answers a survey, from the link they received: %(fields)s cannot be set by hand. "
                "NPS managers may import answers given elsewhere.",
                fields=labels,
            )
        )

    @api.model
    def _log_imported_answer(self, surveys, labels):
        surveys._message_log_batch(
            bodies={
                survey.id: self.env._(
                    "Answer imported by %(user)s (%(fields)s).", user=self.env.user.display_name, fields=labels
                )
                for survey in surveys
            }
        )

    @api.model
    def _record_answer(self, survey, score, comment=False, followup=False, contact_allowed=False, quote_allowed=False):
        """Store the customer's answer on ``survey`` (see ``nps.survey._record_answer``)."""
        survey.ensure_one()
        is_change = survey.state == "answered"
        now = fields.Datetime.now()
        values = {
            "score": score,
            "comment": comment or False,
            "followup": followup or False,
            "contact_allowed": bool(contact_allowed),
            "quote_allowed": bool(quote_allowed),
            "state": "answered",
            "answer_date": now,
        }
        # each permission keeps the date it was given; withdrawn, it is gone (and the testimonial with it)
        for permission in ("contact_allowed", "quote_allowed"):
            if not values[permission]:
                values[f"{permission}_date"] = False
            elif not survey[permission]:
                values[f"{permission}_date"] = now
        if not quote_allowed and survey.is_testimonial:
            values["is_testimonial"] = False
        if not is_change:
            # the change window counts from the first answer: changing it does not extend it
            values["answer_editable_until"] = now + timedelta(days=self._answer_change_days(survey))
        loop = survey.env["nps.survey.loop"]
        deferred = survey.env.context.get("nps_defer_after_answer")
        if deferred:
            # what follows is left to the job, started at once; the mark goes with the answer, in one UPDATE
            values["reaction_pending"] = loop._reaction_pending(survey, is_change)
        survey.write(values)
        if deferred and loop._start_after_answers_job():
            return True
        if deferred:
            survey.reaction_pending = False  # the job is switched off: followed up here
        loop._after_answer(survey, is_change=is_change)
        return True

    @api.model
    def _answer_change_days(self, survey):
        """For how many days after the first answer the customer may change it from the survey link."""
        survey.ensure_one()
        days = survey.campaign_id.answer_change_days if survey.campaign_id else DEFAULT_ANSWER_CHANGE_DAYS
        return max(days, 0)

    @api.model
    def _answer_editable_until(self, survey):
        """Until when the customer may change the answer from the survey link."""
        survey.ensure_one()
        if survey.answer_editable_until:
            return survey.answer_editable_until
        # answered elsewhere than on the survey page (e.g. imported): count from the answer date
        return survey.answer_date and survey.answer_date + timedelta(days=self._answer_change_days(survey))
