import { MEDIA_FETCH_DEFAULTS, type MediaFetchResult } from '../media/media-fetcher';
import type { ResolvedSmsOptions } from '../sms.options';
import { flowrouteMediaSource } from './flowroute/flowroute-media';
import { twilioMediaSource } from './twilio/twilio-media';

/** The limits every provider's media download shares: the byte cap, and the test-only private hosts. */
export interface MediaFetchLimits {
  maxBytes: number;
  privateAddressHosts: string[];
}

/** Where a provider's inbound MMS items are downloaded from and, once stored, deleted at the provider. */
export interface InboundMediaSource {
  /** Downloads one item, only from the provider's own media hosts. */
  fetch(url: string): Promise<MediaFetchResult>;
  /**
   * Deletes one stored item at the provider (best effort): true when it is gone, false when `url` is not one of the
   * provider's media links (nothing is sent); throws with the reason when the provider did not delete it.
   * Absent when the provider's media is not ours to delete.
   */
  delete?(url: string): Promise<boolean>;
}

/** The media sources by provider name; a provider the module is not set up for (Twilio without credentials) has none. */
export function providerMediaSources(options: ResolvedSmsOptions): ReadonlyMap<string, InboundMediaSource> {
  const limits: MediaFetchLimits = {
    maxBytes: options.mediaMaxBytes ?? MEDIA_FETCH_DEFAULTS.maxBytes,
    privateAddressHosts: options.mediaPrivateAddressHosts ?? [],
  };
  const sources = new Map<string, InboundMediaSource>([['flowroute', flowrouteMediaSource(options.flowroute, limits)]]);
  if (options.twilio) sources.set('twilio', twilioMediaSource(options.twilio, limits));
  return sources;
}
