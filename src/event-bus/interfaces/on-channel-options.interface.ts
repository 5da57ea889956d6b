/** Options of `@OnChannel`. */
export interface OnChannelOptions {
  /** Listener name in logs and counts. @default `ClassName.methodName` */
  name?: string;
}

/** What `@OnChannel` records on a method: one entry per decorator. */
export interface OnChannelMetadata {
  channel: string;
  options: OnChannelOptions;
}
