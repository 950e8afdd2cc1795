// A phone's opt-out, its first date kept; no row when it was already opted out.
export const OPT_OUT = `INSERT INTO sms_opt_outs (account_id, phone, keyword, message_id, opted_out_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, phone) DO NOTHING RETURNING phone`;
