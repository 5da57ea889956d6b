/** Options of `@OnChannel`. */
export interface OnChannelOptions {
  /** Listener name in logs and counts. @default `ClassName.methodName` */
  name?: string;
  /** Consumer group of the listener; see `SubscribeOptions.group`. */
  group?: string;
}

/** What `@OnChannel` records on a method: one entry per decorator. */
export interface OnChannelMetadata {
  channel: string;
  options: OnChannelOptions;
}
