// What the README's host example imports from './desk': a host's own tables, module and gateway, declared only.
import type { TicketGateway } from 'ticket-sms';

export type DeskGateway = TicketGateway;
export declare const DeskGateway: { new (...args: never[]): DeskGateway };
export declare class DeskModule {}
export declare const DESK_ENTITIES: (new () => object)[];
