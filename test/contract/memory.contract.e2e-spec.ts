import { describe } from '@jest/globals';
import { describeTransportContract } from './transport-contract.js';

describe('EventBusService on the memory transport', () => {
  describeTransportContract(() => ({ transport: { type: 'memory' } }));
});
