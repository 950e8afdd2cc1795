import { Check, Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { BusinessHours } from '../schedule/business-hours';
import type { SplitMode } from '../segments/segments';

/** `platform`: the service's own provider, metered by credits; `flowroute`: the account's own Flowroute account. */
export type AccountProvider = 'platform' | 'flowroute';

/** One row per account; an absent row means SMS_SETTINGS_DEFAULTS. Every column has a database default too. */
@Entity('sms_settings')
@Check('CHK_sms_settings_split_mode', `"split_mode" IN ('split', 'concatenate')`)
@Check('CHK_sms_settings_provider', `"provider" IN ('platform', 'flowroute')`)
@Check('CHK_sms_settings_flowroute_credentials', `"provider" = 'platform' OR "flowroute_credentials" IS NOT NULL`)
@Index('UQ_sms_settings_flowroute_webhook_token_hash', ['flowrouteWebhookTokenHash'], {
  unique: true,
  where: 'flowroute_webhook_token_hash IS NOT NULL',
})
export class SmsSettings {
  @PrimaryColumn('text', { name: 'account_id' })
  accountId!: string;

  @Column('boolean', { name: 'enabled', default: true })
  enabled!: boolean;

  /** Typographic quotes, dashes, ellipses… become their GSM-7 equivalents, so a pasted sentence does not cost double. */
  @Column('boolean', { name: 'smart_encoding', default: true })
  smartEncoding!: boolean;

  /** A long text goes as several one-segment SMS with a ` (1/3)` counter (`split`), or as one carrier-joined SMS (`concatenate`). */
  @Column('text', { name: 'split_mode', default: 'split' })
  splitMode!: SplitMode;

  /** Weekly hours, holidays and time zone; null means Monday–Friday 09:00–17:00 in the account's time zone. */
  @Column('jsonb', { name: 'business_hours', nullable: true })
  businessHours!: BusinessHours | null;

  /** Texts written while closed wait (`scheduled`) until the next opening. */
  @Column('boolean', { name: 'business_hours_only', default: false })
  businessHoursOnly!: boolean;

  /** Technicians may pass `sendNow` to send while closed (admins always may). */
  @Column('boolean', { name: 'allow_send_now', default: false })
  allowSendNow!: boolean;

  /** Inbound: a reply goes to the ticket of the last SMS sent in its conversation within this many days. */
  @Column('int', { name: 'reply_window_days', default: 7 })
  replyWindowDays!: number;

  /** Inbound: a known customer's reply that matches no open ticket opens a new ticket, or waits in the triage list. */
  @Column('text', { name: 'unmatched_replies', default: 'new_ticket' })
  unmatchedReplies!: 'new_ticket' | 'triage';

  /** Inbound: delete MMS media at the provider once our copy is stored. */
  @Column('boolean', { name: 'delete_provider_media', default: false })
  deleteProviderMedia!: boolean;

  /** Who sends this account's texts: the platform's provider (metered by credits) or the account's own Flowroute. */
  @Column('text', { name: 'provider', default: 'platform' })
  provider!: AccountProvider;

  /** The account's Flowroute access key and secret key, AES-256-GCM sealed (never stored or returned in the clear). */
  @Column('text', { name: 'flowroute_credentials', nullable: true })
  flowrouteCredentials!: string | null;

  /** Sealed path token of the account's Flowroute webhooks; `flowrouteWebhookTokenHash` (SHA-256) finds the account. */
  @Column('text', { name: 'flowroute_webhook_token', nullable: true })
  flowrouteWebhookToken!: string | null;

  @Column('text', { name: 'flowroute_webhook_token_hash', nullable: true })
  flowrouteWebhookTokenHash!: string | null;

  /** Shared and team numbers: a reply claims the conversation for this long after the holder's last activity. */
  @Column('int', { name: 'claim_timeout_minutes', default: 5 })
  claimTimeoutMinutes!: number;

  /** Direct numbers: a text left unanswered this long counts as missed for the number's agent. */
  @Column('int', { name: 'response_time_minutes', default: 10 })
  responseTimeMinutes!: number;

  /** Consecutive missed direct conversations that make an agent `missed` (their texts also reach their team). */
  @Column('int', { name: 'missed_threshold', default: 2 })
  missedThreshold!: number;

  /** Consecutive claims left to lapse without a reply that make an agent `unresponsive`. */
  @Column('int', { name: 'unresponsive_threshold', default: 2 })
  unresponsiveThreshold!: number;

  /**
   * A person's reply to a contact who texted this number within this many minutes goes at once, whatever the business
   * hours: hours hold ticket notifications, not answers to someone waiting. 0: replies wait for business hours too.
   */
  @Column('int', { name: 'live_reply_window_minutes', default: 1440 })
  liveReplyWindowMinutes!: number;

  /** Session report: a conversation idle this long starts a new session. */
  @Column('int', { name: 'session_gap_hours', default: 24 })
  sessionGapHours!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** What an account gets before an admin changes anything. */
export const SMS_SETTINGS_DEFAULTS: Omit<SmsSettings, 'accountId' | 'updatedAt'> = {
  enabled: true,
  smartEncoding: true,
  splitMode: 'split',
  replyWindowDays: 7,
  unmatchedReplies: 'new_ticket',
  deleteProviderMedia: false,
  businessHours: null,
  businessHoursOnly: false,
  allowSendNow: false,
  provider: 'platform',
  flowrouteCredentials: null,
  flowrouteWebhookToken: null,
  flowrouteWebhookTokenHash: null,
  claimTimeoutMinutes: 5,
  responseTimeMinutes: 10,
  missedThreshold: 2,
  unresponsiveThreshold: 2,
  sessionGapHours: 24,
  liveReplyWindowMinutes: 1440,
};
