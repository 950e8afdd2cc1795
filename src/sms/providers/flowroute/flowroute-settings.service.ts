import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OutboundQueue } from '../../messages/outbound-queue.service';
import { SmsMessage } from '../../messages/sms-message.entity';
import {
  maskSecret,
  SecretBox,
  SecretsUnavailableError,
  SecretUnreadableError,
  tokenDigest,
} from '../../secrets/secret-box';
import { AccountProvider, SmsSettings } from '../../settings/sms-settings.entity';
import { SMS_MODULE_OPTIONS, type ResolvedSmsOptions } from '../../sms.options';
import { ConnectionTest, FlowrouteCredentials, FlowrouteProvider } from './flowroute.provider';
import { FLOWROUTE_DEFAULTS } from './flowroute-wire';
import { SUBJECT_TO_HOURS } from '../../schedule/hours-exemption';

/** What an admin sees of the account's Flowroute set-up: masked keys and the URL to paste into Flowroute. */
export interface FlowrouteSettingsView {
  accessKey: string | null;
  secretKey: string | null;
  /** Flowroute's SMS and MMS callback URL for this account (its path token authenticates Flowroute). */
  inboundUrl: string | null;
  /** Why the stored credentials cannot be used right now (e.g. SECRETS_KEY missing); null when they can. */
  problem: string | null;
}

/** The provider-related part of a settings change, as the API takes it. */
export interface ProviderChange {
  provider?: AccountProvider;
  /** New credentials; null removes them (only while the account sends through the platform). */
  flowroute?: FlowrouteCredentials | null;
}

const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/**
 * An account's own Flowroute account: credentials sealed at rest, the webhook path token, and the provider built
 * from them. The credentials are opened only to build a provider for one send or one connection test.
 */
@Injectable()
export class FlowrouteSettings {
  constructor(
    @InjectRepository(SmsSettings) private readonly settings: Repository<SmsSettings>,
    @InjectRepository(SmsMessage) private readonly messages: Repository<SmsMessage>,
    private readonly secrets: SecretBox,
    private readonly queue: OutboundQueue,
    @Inject(SMS_MODULE_OPTIONS) private readonly options: ResolvedSmsOptions,
  ) {}

  /**
   * The sms_settings columns a provider change writes, after checking it: Flowroute needs credentials (422),
   * credentials need SECRETS_KEY (503), and credentials in use cannot be removed (422).
   */
  changes(current: SmsSettings, change: ProviderChange): Partial<SmsSettings> {
    const provider = change.provider ?? current.provider;
    const columns: Partial<SmsSettings> = {};
    if (change.provider !== undefined) columns.provider = change.provider;

    if (change.flowroute === null) {
      if (provider === 'flowroute')
        throw new UnprocessableEntityException(
          'Switch the provider to platform before removing the Flowroute credentials',
        );
      columns.flowrouteCredentials = null;
    } else if (change.flowroute !== undefined) {
      this.requireSecrets();
      const { accessKey, secretKey } = change.flowroute;
      columns.flowrouteCredentials = this.secrets.seal(
        JSON.stringify({ accessKey, secretKey }),
        credentialsContext(current.accountId),
      );
      // The webhook URL stays the same when keys change, so Flowroute's callback settings need not be touched.
      if (!current.flowrouteWebhookToken) Object.assign(columns, this.newWebhookToken(current.accountId));
    } else if (provider === 'flowroute' && current.provider !== 'flowroute') {
      if (!current.flowrouteCredentials)
        throw new UnprocessableEntityException(
          'Sending through Flowroute needs its access key and secret key: send flowroute: {accessKey, secretKey}',
        );
      this.readableCredentials(current); // refuses unreadable ones now rather than at the first send
    }
    return columns;
  }

  /** null while the account never set Flowroute up. */
  describe(settings: SmsSettings): FlowrouteSettingsView | null {
    if (!settings.flowrouteCredentials && !settings.flowrouteWebhookToken) return null;
    const view: FlowrouteSettingsView = { accessKey: null, secretKey: null, inboundUrl: null, problem: null };
    try {
      if (settings.flowrouteCredentials) {
        const credentials = this.credentials(settings);
        view.accessKey = maskSecret(credentials.accessKey);
        view.secretKey = maskSecret(credentials.secretKey);
      }
      if (settings.flowrouteWebhookToken) view.inboundUrl = `${this.webhookBase(this.webhookToken(settings))}/inbound`;
    } catch (e) {
      view.problem = `The stored Flowroute settings cannot be read: ${(e as Error).message}`;
    }
    return view;
  }

  /** The account's Flowroute account as a provider; throws when it has none or its credentials cannot be opened. */
  provider(settings: SmsSettings): FlowrouteProvider {
    const token = settings.flowrouteWebhookToken ? this.webhookToken(settings) : null;
    if (!token) throw new Error('The account has no Flowroute webhook token');
    return new FlowrouteProvider(this.credentials(settings), {
      ...this.connection(),
      dlrCallbackUrl: `${this.webhookBase(token)}/dlr`,
    });
  }

  async testConnection(accountId: string, given?: FlowrouteCredentials): Promise<ConnectionTest> {
    let credentials = given;
    if (!credentials) {
      const stored = await this.settings.findOne({ where: { accountId } });
      if (!stored?.flowrouteCredentials)
        throw new UnprocessableEntityException(
          'No Flowroute credentials to test: send accessKey and secretKey, or save them in the settings first',
        );
      credentials = this.readableCredentials(stored);
    }
    return new FlowrouteProvider(credentials, { ...this.connection(), dlrCallbackUrl: '' }).testConnection();
  }

  /**
   * Texts that waited for credits need none once the account pays Flowroute itself: they go back to the send job,
   * through its business-hours gate when they were written subject to hours (`scheduled`, due now: the gate sends
   * them, or holds them for the next opening while the account is closed), straight to sending otherwise.
   */
  async releaseHeld(accountId: string): Promise<number> {
    const released = (await this.messages.query(
      `UPDATE sms_messages
          SET status = CASE WHEN ${SUBJECT_TO_HOURS} THEN 'scheduled' ELSE 'pending' END,
              send_at = CASE WHEN ${SUBJECT_TO_HOURS} THEN now() ELSE send_at END,
              error_message = NULL, updated_at = now()
        WHERE account_id = $1 AND direction = 'outbound' AND status = 'held_no_credit'
        RETURNING id`,
      [accountId],
    )) as [{ id: string }[], number];
    const ids = released[0].map((r) => r.id);
    await this.queue.requeue(ids);
    return ids.length;
  }

  /** A new webhook path token (the old URL stops working at once), for a URL that leaked. */
  async rotateWebhookToken(accountId: string): Promise<void> {
    const current = await this.settings.findOne({ where: { accountId } });
    if (!current?.flowrouteWebhookToken)
      throw new NotFoundException('The account has no Flowroute webhook URL yet: save Flowroute credentials first');
    this.requireSecrets();
    await this.settings.update({ accountId }, this.newWebhookToken(accountId));
  }

  /**
   * The account a webhook path token belongs to, or null. Found by the token's SHA-256 digest, so the database
   * compares digests, never the token: how long the lookup takes says nothing about how close a guess was.
   */
  async accountForWebhookToken(token: string): Promise<string | null> {
    if (!TOKEN.test(token)) return null;
    const row = await this.settings.findOne({
      where: { flowrouteWebhookTokenHash: tokenDigest(token) },
      select: { accountId: true },
    });
    return row?.accountId ?? null;
  }

  private connection() {
    const { apiUrl, timeoutMs } = this.options.flowroute ?? FLOWROUTE_DEFAULTS;
    return { apiUrl, timeoutMs };
  }

  /** The stored credentials for an admin's request: 503 without SECRETS_KEY, 422 when they no longer open. */
  private readableCredentials(settings: SmsSettings): FlowrouteCredentials {
    this.requireSecrets();
    try {
      return this.credentials(settings);
    } catch (e) {
      if (e instanceof SecretUnreadableError)
        throw new UnprocessableEntityException(
          `The stored Flowroute credentials cannot be read (${e.message}); enter them again`,
        );
      throw e;
    }
  }

  private credentials(settings: SmsSettings): FlowrouteCredentials {
    if (!settings.flowrouteCredentials) throw new Error('The account has no Flowroute credentials');
    const opened = JSON.parse(
      this.secrets.open(settings.flowrouteCredentials, credentialsContext(settings.accountId)),
    ) as FlowrouteCredentials;
    return { accessKey: opened.accessKey, secretKey: opened.secretKey };
  }

  private webhookToken(settings: SmsSettings): string {
    return this.secrets.open(settings.flowrouteWebhookToken!, tokenContext(settings.accountId));
  }

  private newWebhookToken(accountId: string): Pick<SmsSettings, 'flowrouteWebhookToken' | 'flowrouteWebhookTokenHash'> {
    const token = randomBytes(24).toString('base64url');
    return {
      flowrouteWebhookToken: this.secrets.seal(token, tokenContext(accountId)),
      flowrouteWebhookTokenHash: tokenDigest(token),
    };
  }

  private webhookBase(token: string): string {
    return `${this.options.webhookBaseUrl}/webhooks/flowroute/${token}`;
  }

  private requireSecrets(): void {
    if (!this.secrets.available) throw new ServiceUnavailableException(new SecretsUnavailableError().message);
  }
}

/** The associated data each sealed column is bound to: a value copied to another account or column does not open. */
export function credentialsContext(accountId: string): string {
  return `sms_settings:${accountId}:flowroute_credentials`;
}

export function tokenContext(accountId: string): string {
  return `sms_settings:${accountId}:flowroute_webhook_token`;
}
