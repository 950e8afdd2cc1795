import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The module's whole schema: its own tables, all named sms_*, and nothing of the host's. Ids that belong to the host
 * (account, ticket, customer, user, team, comment) are opaque text, so hosts with integer, UUID or other keys all fit;
 * ids the module makes itself (messages, numbers, conversations, …) are UUIDs.
 *
 * A database made by the reference helpdesk before the module had a schema of its own already holds these tables,
 * with host ids typed uuid. It is carried over in place: the host id columns become text and every row is kept.
 */
export class SmsSchema1796000000000 implements MigrationInterface {
  name = 'SmsSchema1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    if (await queryRunner.hasTable('sms_messages')) {
      await carryOverSharedSchema(queryRunner);
      return;
    }
    for (const statement of CREATE_SCHEMA) await queryRunner.query(statement);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of Object.keys(HOST_ID_COLUMNS).concat('sms_unroutable_messages'))
      await queryRunner.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    await queryRunner.query('DROP FUNCTION IF EXISTS sms_credit_entries_append_only()');
  }
}

/** Every table but sms_unroutable_messages, with its host id columns (typed uuid while the schema was shared). */
const HOST_ID_COLUMNS: Record<string, string[]> = {
  sms_after_hours_contacts: ['account_id'],
  sms_after_hours_editors: ['account_id', 'user_id', 'granted_by_user_id'],
  sms_after_hours_replies: ['account_id', 'owner_id', 'updated_by_user_id'],
  sms_agent_availability: ['account_id', 'user_id'],
  sms_conversation_claims: ['account_id', 'user_id', 'from_user_id'],
  sms_conversation_waits: ['account_id', 'direct_user_id', 'answered_by_user_id'],
  sms_conversations: ['account_id', 'last_outbound_ticket_id', 'last_reply_by_user_id', 'claimed_by_user_id'],
  sms_credit_balances: ['account_id'],
  sms_credit_entries: ['account_id', 'user_id'],
  sms_media: ['account_id'],
  sms_messages: ['account_id', 'ticket_id', 'comment_id', 'created_by_user_id', 'customer_id'],
  sms_number_imports: ['account_id', 'created_by_user_id'],
  sms_numbers: ['account_id', 'user_id', 'team_id'],
  sms_opt_outs: ['account_id'],
  sms_sandbox_messages: ['account_id'],
  sms_settings: ['account_id'],
  sms_templates: ['account_id', 'updated_by_user_id'],
};

async function carryOverSharedSchema(queryRunner: QueryRunner): Promise<void> {
  // The last change made while the schema was shared; a database older than that is not carried over half-way.
  if (!(await queryRunner.hasColumn('sms_messages', 'inbound_job_id'))) {
    throw new Error(
      "This database holds SMS tables older than ticket-sms 0.1's last shared migration; run 0.1's migrations first, then these",
    );
  }
  for (const [table, columns] of Object.entries(HOST_ID_COLUMNS)) {
    await queryRunner.query(
      `ALTER TABLE "${table}" ${columns.map((column) => `ALTER COLUMN "${column}" TYPE text`).join(', ')}`,
    );
  }
  await queryRunner.query(`ALTER TABLE "sms_conversations" ALTER COLUMN "routed_team_ids" DROP DEFAULT`);
  await queryRunner.query(`ALTER TABLE "sms_conversations" ALTER COLUMN "routed_team_ids" TYPE text[]`);
  await queryRunner.query(`ALTER TABLE "sms_conversations" ALTER COLUMN "routed_team_ids" SET DEFAULT '{}'::text[]`);
}

const CREATE_SCHEMA = [
  `CREATE TABLE sms_after_hours_contacts (
    account_id text NOT NULL,
    contact_phone text NOT NULL,
    last_replied_at timestamp with time zone NOT NULL
  )`,
  `CREATE TABLE sms_after_hours_editors (
    account_id text NOT NULL,
    user_id text NOT NULL,
    granted_by_user_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE sms_after_hours_replies (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    level text NOT NULL,
    owner_id text NOT NULL,
    enabled boolean NOT NULL,
    hours jsonb,
    body text,
    window_hours integer,
    updated_by_user_id text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "CHK_sms_after_hours_replies_level" CHECK ((level = ANY (ARRAY['account'::text, 'team'::text, 'user'::text])))
  )`,
  `CREATE TABLE sms_agent_availability (
    account_id text NOT NULL,
    user_id text NOT NULL,
    status text NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    reason text,
    CONSTRAINT "CHK_sms_agent_availability_status" CHECK ((status = ANY (ARRAY['available'::text, 'missed'::text, 'unresponsive'::text])))
  )`,
  `CREATE TABLE sms_conversation_claims (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    conversation_id uuid NOT NULL,
    user_id text NOT NULL,
    via text NOT NULL,
    from_user_id text,
    claimed_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    replied_at timestamp with time zone,
    ended_at timestamp with time zone,
    end_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "CHK_sms_conversation_claims_end" CHECK (((end_reason IS NULL) OR (end_reason = ANY (ARRAY['released'::text, 'transferred'::text, 'expired'::text])))),
    CONSTRAINT "CHK_sms_conversation_claims_via" CHECK ((via = ANY (ARRAY['reply'::text, 'claim'::text, 'transfer'::text])))
  )`,
  `CREATE TABLE sms_conversation_waits (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    conversation_id uuid NOT NULL,
    direct_user_id text,
    started_at timestamp with time zone NOT NULL,
    answered_at timestamp with time zone,
    answered_by_user_id text
  )`,
  `CREATE TABLE sms_conversations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    business_number text NOT NULL,
    contact_phone text NOT NULL,
    last_outbound_ticket_id text,
    last_outbound_at timestamp with time zone,
    last_inbound_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    last_activity_at timestamp with time zone,
    waiting_since timestamp with time zone,
    last_reply_at timestamp with time zone,
    last_reply_by_user_id text,
    claim_id uuid,
    claimed_by_user_id text,
    claim_expires_at timestamp with time zone,
    routed_team_ids text[] DEFAULT '{}'::text[] NOT NULL,
    CONSTRAINT "CHK_sms_conversations_claim" CHECK ((((claimed_by_user_id IS NULL) = (claim_expires_at IS NULL)) AND ((claimed_by_user_id IS NULL) = (claim_id IS NULL))))
  )`,
  `CREATE TABLE sms_credit_balances (
    account_id text NOT NULL,
    monthly_allowance integer DEFAULT 200 NOT NULL,
    monthly_period text,
    monthly_remaining integer DEFAULT 0 NOT NULL,
    addon_remaining integer DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "CHK_sms_credit_balances_addon" CHECK ((addon_remaining >= 0)),
    CONSTRAINT "CHK_sms_credit_balances_allowance" CHECK ((monthly_allowance >= 0)),
    CONSTRAINT "CHK_sms_credit_balances_monthly" CHECK ((monthly_remaining >= 0))
  )`,
  `CREATE TABLE sms_credit_entries (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    seq bigint NOT NULL,
    account_id text NOT NULL,
    kind text NOT NULL,
    bucket text NOT NULL,
    amount integer NOT NULL,
    period text NOT NULL,
    message_id uuid,
    user_id text,
    idempotency_key text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT "CHK_sms_credit_entries_amount" CHECK ((amount <> 0))
  )`,
  `CREATE SEQUENCE sms_credit_entries_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1`,
  `ALTER SEQUENCE sms_credit_entries_seq_seq OWNED BY sms_credit_entries.seq`,
  `CREATE TABLE sms_media (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    message_id uuid NOT NULL,
    "position" smallint NOT NULL,
    source_url text,
    declared_content_type text,
    status text DEFAULT 'pending'::text NOT NULL,
    content_type text,
    size integer,
    width integer,
    height integer,
    storage_key text,
    thumbnail_key text,
    thumbnail_content_type text,
    rejection_reason text,
    rejection_detail text,
    provider_deleted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE sms_messages (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    direction text NOT NULL,
    kind text NOT NULL,
    ticket_id text,
    comment_id text,
    send_id uuid NOT NULL,
    part_index smallint DEFAULT '1'::smallint NOT NULL,
    part_count smallint DEFAULT '1'::smallint NOT NULL,
    to_number text,
    from_number text,
    body text NOT NULL,
    encoding text,
    segments smallint DEFAULT '0'::smallint NOT NULL,
    status text NOT NULL,
    provider text,
    provider_message_id text,
    error_code text,
    error_message text,
    credits integer DEFAULT 0 NOT NULL,
    send_at timestamp with time zone,
    submitted_at timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    created_by_user_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    conversation_id uuid,
    customer_id text,
    match_rule text,
    match_guess boolean DEFAULT false NOT NULL,
    inbound_media jsonb,
    send_now boolean DEFAULT false NOT NULL,
    inbound_job_id text
  )`,
  `CREATE TABLE sms_number_imports (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    created_by_user_id text,
    rows integer NOT NULL,
    applied integer NOT NULL,
    failed integer NOT NULL,
    errors jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE sms_numbers (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    number text NOT NULL,
    label text NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    kind text DEFAULT 'shared'::text NOT NULL,
    user_id text,
    team_id text,
    verified_at timestamp with time zone,
    verification_checked_at timestamp with time zone,
    verification_error text,
    history_visibility text DEFAULT 'members'::text NOT NULL,
    claim_timeout_minutes integer,
    CONSTRAINT "CHK_sms_numbers_assignment" CHECK ((((kind = 'shared'::text) AND (user_id IS NULL) AND (team_id IS NULL)) OR ((kind = 'direct'::text) AND (user_id IS NOT NULL) AND (team_id IS NULL)) OR ((kind = 'group'::text) AND (team_id IS NOT NULL) AND (user_id IS NULL)))),
    CONSTRAINT "CHK_sms_numbers_claim_timeout" CHECK (((claim_timeout_minutes IS NULL) OR ((claim_timeout_minutes >= 1) AND (claim_timeout_minutes <= 1440)))),
    CONSTRAINT "CHK_sms_numbers_history_visibility" CHECK ((history_visibility = ANY (ARRAY['members'::text, 'handler'::text])))
  )`,
  `CREATE TABLE sms_opt_outs (
    account_id text NOT NULL,
    phone text NOT NULL,
    keyword text NOT NULL,
    message_id uuid,
    opted_out_at timestamp with time zone NOT NULL
  )`,
  `CREATE TABLE sms_sandbox_messages (
    sid text NOT NULL,
    account_id text NOT NULL,
    message_id uuid NOT NULL,
    to_number text NOT NULL,
    from_number text NOT NULL,
    body text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE sms_settings (
    account_id text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    reply_window_days integer DEFAULT 7 NOT NULL,
    unmatched_replies text DEFAULT 'new_ticket'::text NOT NULL,
    delete_provider_media boolean DEFAULT false NOT NULL,
    smart_encoding boolean DEFAULT true NOT NULL,
    split_mode text DEFAULT 'split'::text NOT NULL,
    business_hours jsonb,
    business_hours_only boolean DEFAULT false NOT NULL,
    allow_send_now boolean DEFAULT false NOT NULL,
    provider text DEFAULT 'platform'::text NOT NULL,
    flowroute_credentials text,
    flowroute_webhook_token text,
    flowroute_webhook_token_hash text,
    claim_timeout_minutes integer DEFAULT 5 NOT NULL,
    response_time_minutes integer DEFAULT 10 NOT NULL,
    missed_threshold integer DEFAULT 2 NOT NULL,
    unresponsive_threshold integer DEFAULT 2 NOT NULL,
    session_gap_hours integer DEFAULT 24 NOT NULL,
    CONSTRAINT "CHK_sms_settings_flowroute_credentials" CHECK (((provider = 'platform'::text) OR (flowroute_credentials IS NOT NULL))),
    CONSTRAINT "CHK_sms_settings_provider" CHECK ((provider = ANY (ARRAY['platform'::text, 'flowroute'::text]))),
    CONSTRAINT "CHK_sms_settings_split_mode" CHECK ((split_mode = ANY (ARRAY['split'::text, 'concatenate'::text])))
  )`,
  `CREATE TABLE sms_templates (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id text NOT NULL,
    key text NOT NULL,
    body text NOT NULL,
    updated_by_user_id text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE sms_unroutable_messages (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    provider text NOT NULL,
    provider_message_id text NOT NULL,
    to_number text NOT NULL,
    from_number text NOT NULL,
    body text NOT NULL,
    num_media smallint DEFAULT '0'::smallint NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `ALTER TABLE sms_credit_entries ALTER COLUMN seq SET DEFAULT nextval('sms_credit_entries_seq_seq'::regclass)`,
  `ALTER TABLE sms_credit_balances ADD CONSTRAINT "PK_1f5adf65e7dbe6c64bc9bef9e71" PRIMARY KEY (account_id)`,
  `ALTER TABLE sms_media ADD CONSTRAINT "PK_55a89caa9a1358d333b2680d010" PRIMARY KEY (id)`,
  `ALTER TABLE sms_messages ADD CONSTRAINT "PK_6d4cfef86e93e3fde23954d11bc" PRIMARY KEY (id)`,
  `ALTER TABLE sms_sandbox_messages ADD CONSTRAINT "PK_812b1bb54ec344b4db9cb049472" PRIMARY KEY (sid)`,
  `ALTER TABLE sms_credit_entries ADD CONSTRAINT "PK_85743738e6b1fe07ae83677a9cc" PRIMARY KEY (id)`,
  `ALTER TABLE sms_templates ADD CONSTRAINT "PK_940ef6d70e5e49587c1a2f3222d" PRIMARY KEY (id)`,
  `ALTER TABLE sms_settings ADD CONSTRAINT "PK_a070a297814536697396e4efe67" PRIMARY KEY (account_id)`,
  `ALTER TABLE sms_opt_outs ADD CONSTRAINT "PK_b55acb3559f9d18513ec87b606d" PRIMARY KEY (account_id, phone)`,
  `ALTER TABLE sms_conversations ADD CONSTRAINT "PK_b8d2d1ac18cdb16c716981e3a17" PRIMARY KEY (id)`,
  `ALTER TABLE sms_unroutable_messages ADD CONSTRAINT "PK_c18d760fa2eb40d0d44c76c6368" PRIMARY KEY (id)`,
  `ALTER TABLE sms_numbers ADD CONSTRAINT "PK_d926da9e629d45864fab3315bb9" PRIMARY KEY (id)`,
  `ALTER TABLE sms_after_hours_contacts ADD CONSTRAINT "PK_sms_after_hours_contacts" PRIMARY KEY (account_id, contact_phone)`,
  `ALTER TABLE sms_after_hours_editors ADD CONSTRAINT "PK_sms_after_hours_editors" PRIMARY KEY (account_id, user_id)`,
  `ALTER TABLE sms_after_hours_replies ADD CONSTRAINT "PK_sms_after_hours_replies" PRIMARY KEY (id)`,
  `ALTER TABLE sms_agent_availability ADD CONSTRAINT "PK_sms_agent_availability" PRIMARY KEY (account_id, user_id)`,
  `ALTER TABLE sms_conversation_claims ADD CONSTRAINT "PK_sms_conversation_claims" PRIMARY KEY (id)`,
  `ALTER TABLE sms_conversation_waits ADD CONSTRAINT "PK_sms_conversation_waits" PRIMARY KEY (id)`,
  `ALTER TABLE sms_number_imports ADD CONSTRAINT "PK_sms_number_imports" PRIMARY KEY (id)`,
  `ALTER TABLE sms_credit_entries ADD CONSTRAINT "UQ_08a9ad667d9edd6221cd41fbfba" UNIQUE (idempotency_key)`,
  `CREATE INDEX "IDX_36250e77899debbf7de66d7114" ON sms_messages USING btree (account_id, ticket_id, created_at)`,
  `CREATE INDEX "IDX_36aa54c2e4fced66d9f52d8fdc" ON sms_credit_entries USING btree (message_id) WHERE (message_id IS NOT NULL)`,
  `CREATE INDEX "IDX_453c264fa58b23e442dbd19e96" ON sms_messages USING btree (status, updated_at)`,
  `CREATE INDEX "IDX_5fc791df23bd5163c38beccfed" ON sms_numbers USING btree (account_id, created_at)`,
  `CREATE UNIQUE INDEX "IDX_72a0a3f81799b03f152965a861" ON sms_templates USING btree (account_id, key)`,
  `CREATE UNIQUE INDEX "IDX_7d69bb755257d3026ed49458b7" ON sms_unroutable_messages USING btree (provider, provider_message_id)`,
  `CREATE INDEX "IDX_9223359b6851515dc389428d50" ON sms_messages USING btree (account_id, status, created_at) WHERE (status = 'held_no_credit'::text)`,
  `CREATE UNIQUE INDEX "IDX_a191a6b7d8560019fbe3564014" ON sms_conversations USING btree (account_id, business_number, contact_phone)`,
  `CREATE UNIQUE INDEX "IDX_ad5ec97cf3968759cd86e2fade" ON sms_messages USING btree (provider, provider_message_id) WHERE (provider_message_id IS NOT NULL)`,
  `CREATE UNIQUE INDEX "IDX_ae41a1274ed3e503dd2a79fbbf" ON sms_numbers USING btree (number)`,
  `CREATE INDEX "IDX_b36fff886ae27a96ca0044a529" ON sms_messages USING btree (account_id, created_at) WHERE ((direction = 'inbound'::text) AND (match_guess OR (match_rule = 'triage'::text) OR (status = 'failed'::text)))`,
  `CREATE INDEX "IDX_bd594ab02227da3942c2abe92f" ON sms_messages USING btree (send_id, part_index)`,
  `CREATE UNIQUE INDEX "IDX_bdd10775e1be3fcd48e7898b85" ON sms_media USING btree (message_id, "position")`,
  `CREATE INDEX "IDX_c0d3b0dfb36cbaf879e7ff099d" ON sms_credit_entries USING btree (account_id, seq)`,
  `CREATE INDEX "IDX_c22be3f4017eaef353c4453c7a" ON sms_sandbox_messages USING btree (account_id, created_at)`,
  `CREATE INDEX "IDX_ccd0c09317c4d713b56f42fa39" ON sms_credit_entries USING btree (account_id, created_at)`,
  `CREATE INDEX "IDX_sms_conversation_claims_conversation" ON sms_conversation_claims USING btree (conversation_id, created_at)`,
  `CREATE INDEX "IDX_sms_conversation_claims_user" ON sms_conversation_claims USING btree (account_id, user_id, claimed_at)`,
  `CREATE INDEX "IDX_sms_conversation_waits_direct" ON sms_conversation_waits USING btree (account_id, direct_user_id, started_at) WHERE (direct_user_id IS NOT NULL)`,
  `CREATE INDEX "IDX_sms_conversations_activity" ON sms_conversations USING btree (account_id, last_activity_at)`,
  `CREATE INDEX "IDX_sms_messages_account_created" ON sms_messages USING btree (account_id, created_at)`,
  `CREATE INDEX "IDX_sms_messages_inbound_received" ON sms_messages USING btree (account_id, from_number, to_number, created_at) WHERE ((direction = 'inbound'::text) AND (status = 'received'::text))`,
  `CREATE INDEX "IDX_sms_messages_outbound_to" ON sms_messages USING btree (account_id, to_number, created_at) WHERE (direction = 'outbound'::text)`,
  `CREATE INDEX "IDX_sms_messages_pair" ON sms_messages USING btree (account_id, from_number, to_number, created_at)`,
  `CREATE INDEX "IDX_sms_messages_scheduled" ON sms_messages USING btree (account_id, send_at) WHERE (status = 'scheduled'::text)`,
  `CREATE INDEX "IDX_sms_number_imports_account" ON sms_number_imports USING btree (account_id, created_at)`,
  `CREATE INDEX "IDX_sms_numbers_team" ON sms_numbers USING btree (account_id, team_id) WHERE (team_id IS NOT NULL)`,
  `CREATE INDEX "IDX_sms_numbers_user" ON sms_numbers USING btree (account_id, user_id) WHERE (user_id IS NOT NULL)`,
  `CREATE UNIQUE INDEX "UQ_sms_after_hours_replies_owner" ON sms_after_hours_replies USING btree (account_id, level, owner_id)`,
  `CREATE UNIQUE INDEX "UQ_sms_conversation_waits_open" ON sms_conversation_waits USING btree (conversation_id) WHERE (answered_at IS NULL)`,
  `CREATE UNIQUE INDEX "UQ_sms_settings_flowroute_webhook_token_hash" ON sms_settings USING btree (flowroute_webhook_token_hash) WHERE (flowroute_webhook_token_hash IS NOT NULL)`,
  `CREATE FUNCTION sms_credit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
    RAISE EXCEPTION 'sms_credit_entries is append-only';
    END
  $$`,
  `CREATE TRIGGER sms_credit_entries_append_only BEFORE DELETE OR UPDATE ON sms_credit_entries FOR EACH ROW EXECUTE FUNCTION sms_credit_entries_append_only()`,
];
