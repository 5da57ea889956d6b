import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { loadEventBusSchema } from './event-bus-schema.js';

/** The first problem found in a payload: a dotted path and what is wrong there. */
export interface PayloadIssue {
  field: string;
  reason: string;
}

/** A compiled payload check: returns the first issue, or undefined when the payload is valid. */
export type PayloadCheck = (payload: unknown) => PayloadIssue | undefined;

/** Compiles channel payload schemas with one Ajv instance that has `schemas/event_bus.json` loaded. */
export class PayloadValidator {
  private readonly ajv = new Ajv2020({ allErrors: false, strict: false });

  constructor() {
    this.ajv.addSchema(loadEventBusSchema());
  }

  /** Compiles a JSON Schema into a check; throws Ajv's error when the schema is invalid. */
  compile(schema: Record<string, unknown>): PayloadCheck {
    const validate: ValidateFunction = this.ajv.compile(schema);
    return (payload) => (validate(payload) ? undefined : describeIssue(validate.errors?.[0]));
  }
}

function describeIssue(error: ErrorObject | undefined): PayloadIssue {
  if (error === undefined) {
    return { field: 'payload', reason: 'is invalid' };
  }

  const field = `payload${error.instancePath.replace(/\//g, '.')}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { field: `${field}.${String(params.missingProperty)}`, reason: 'is required' };
    case 'additionalProperties':
      return {
        field: `${field}.${String(params.additionalProperty)}`,
        reason: 'is not an allowed property',
      };
    case 'enum':
      return {
        field,
        reason: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`,
      };
    default:
      return { field, reason: error.message ?? 'is invalid' };
  }
}
