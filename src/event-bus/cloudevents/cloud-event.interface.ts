/**
 * A CloudEvents 1.0 event in the JSON event format, as `toCloudEvent()` builds it: the context
 * attributes, `data`, and the bus's extension attributes. A type alias rather than an interface,
 * so that it is assignable to string-indexed event types such as the `cloudevents` SDK's.
 */
export type CloudEventJson = {
  specversion: '1.0';
  /** The envelope's `message_id`. */
  id: string;
  /** `metadata.source`, or the default source when the metadata has none. */
  source: string;
  /** The channel, such as `karma.feedback`. */
  type: string;
  /** The envelope's `timestamp`. */
  time: string;
  datacontenttype: 'application/json';
  /** The envelope's payload. */
  data: unknown;
  /** `metadata.correlation_id`. */
  correlationid?: string;
  /** `metadata.causation_id`. */
  causationid?: string;
  /** The other metadata keys as a JSON object in a string; see `toCloudEvent()`. */
  busmetadata?: string;
};

/** Options of `toCloudEvent()` and `fromCloudEvent()`. */
export interface CloudEventOptions {
  /**
   * The `source` of events whose envelope has no `metadata.source`. Give the same value to both
   * functions, because `fromCloudEvent()` maps this source back to no `metadata.source`.
   * @default 'urn:karma-event-bus'
   */
  source?: string;
}
