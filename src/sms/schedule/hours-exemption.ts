/**
 * SQL condition on an `sms_messages` row: business hours apply to it. Not to a text written with `sendNow`, nor to an
 * after-hours reply (kind `after_hours`), which answers a text that came in while closed and is written without a plan.
 * In a module of its own, with no imports, so that services on either side of the settings can use it.
 */
export const SUBJECT_TO_HOURS = `(NOT send_now AND kind <> 'after_hours')`;
