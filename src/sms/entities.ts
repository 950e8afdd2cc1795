import { AfterHoursContact } from './after-hours/after-hours-contact.entity';
import { AfterHoursEditor } from './after-hours/after-hours-editor.entity';
import { AfterHoursReply } from './after-hours/after-hours-reply.entity';
import { AgentAvailability } from './availability/agent-availability.entity';
import { CannedReply } from './canned-replies/canned-reply.entity';
import { SignOff } from './canned-replies/sign-off.entity';
import { ConversationClaim } from './conversations/conversation-claim.entity';
import { ConversationWait } from './conversations/conversation-wait.entity';
import { SmsConversation } from './conversations/sms-conversation.entity';
import { CreditBalance } from './credits/credit-balance.entity';
import { CreditEntry } from './credits/credit-entry.entity';
import { UnroutableMessage } from './inbound/unroutable-message.entity';
import { SmsMedia } from './media/sms-media.entity';
import { SmsMessage } from './messages/sms-message.entity';
import { NumberHistory } from './numbers/number-history.entity';
import { NumberImport } from './numbers/number-import.entity';
import { PlatformNumber } from './numbers/platform-number.entity';
import { SmsNumber } from './numbers/sms-number.entity';
import { SmsOptOut } from './opt-outs/sms-opt-out.entity';
import { SandboxMessage } from './sandbox/sandbox-message.entity';
import { SmsSettings } from './settings/sms-settings.entity';
import { SmsTemplate } from './templates/sms-template.entity';

/** Every entity of the module: give them to the host's TypeORM connection (`entities: [...SMS_ENTITIES, ...]`). */
export const SMS_ENTITIES = [
  SmsMessage,
  SmsNumber,
  SmsSettings,
  SmsTemplate,
  SandboxMessage,
  SmsConversation,
  SmsMedia,
  SmsOptOut,
  UnroutableMessage,
  AfterHoursReply,
  AfterHoursEditor,
  AfterHoursContact,
  CreditBalance,
  CreditEntry,
  ConversationClaim,
  ConversationWait,
  AgentAvailability,
  NumberImport,
  PlatformNumber,
  NumberHistory,
  CannedReply,
  SignOff,
];
