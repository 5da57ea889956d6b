export { DEFAULT_WAIT_TIMEOUT_MS, EventBusRecorder } from './event-bus.recorder.js';
export { MessageWaitTimeoutError } from './message-wait-timeout.error.js';
export {
  createTestingBus,
  type TestingBus,
  type TestingBusOptions,
} from './testing-bus.factory.js';
