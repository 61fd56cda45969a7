import { ActivityMarkAsDone } from "@mail/core/web/activity_markasdone_popover";
import { patch } from "@web/core/utils/patch";

/**
 * An NPS callback is not simply "done": the server answers the callback with the
 * "Close the loop" form (outcome, reasons), which marks the activity done itself.
 */
patch(ActivityMarkAsDone.prototype, {
    async onClickDone() {
        if (this.props.activity.nps_is_callback) {
            return this.onClickDoneAndScheduleNext();
        }
        return super.onClickDone(...arguments);
    },
});
