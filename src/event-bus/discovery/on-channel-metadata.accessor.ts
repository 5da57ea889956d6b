import { Injectable } from '@nestjs/common';
import { ON_CHANNEL_METADATA } from '../event-bus.constants.js';
import type { OnChannelMetadata } from '../interfaces/on-channel-options.interface.js';

/** Reads what `@OnChannel` recorded on a method. */
@Injectable()
export class OnChannelMetadataAccessor {
  /** Returns the method's listener records, or an empty array when it has none. */
  getListeners(method: unknown): OnChannelMetadata[] {
    if (typeof method !== 'function') {
      return [];
    }
    return (Reflect.getMetadata(ON_CHANNEL_METADATA, method) ?? []) as OnChannelMetadata[];
  }
}
