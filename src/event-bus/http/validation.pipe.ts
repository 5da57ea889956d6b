import {
  BadRequestException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';

/**
 * Creates the ValidationPipe of the bus's routes: converts query strings to their types, rejects
 * unknown properties and returns a 400 whose messages name each field at fault.
 */
export function createEventBusValidationPipe(): ValidationPipe {
  return new EventBusValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    // The target lets an unknown-property message list the allowed properties.
    validationError: { target: true, value: false },
    exceptionFactory: (errors) => {
      const messages = [...new Set(errors.flatMap((error) => describeError(error, '')))];
      return new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: messages,
        field: fieldOf(messages[0], errors[0]?.property),
      });
    },
  });
}

function describeError(error: ValidationError, prefix: string): string[] {
  const field = `${prefix}${error.property}`;
  const constraints = error.constraints ?? {};
  const messages = Object.entries(constraints).map(([name, message]) => {
    if (name === 'whitelistValidation') {
      return unknownPropertyMessage(field, error);
    }
    // Nested messages start with the bare property name; give them the full path instead.
    return message.startsWith(`${error.property} `)
      ? `${field}${message.slice(error.property.length)}`
      : message;
  });
  const nested = (error.children ?? []).flatMap((child) => describeError(child, `${field}.`));
  return [...messages, ...nested];
}

function unknownPropertyMessage(field: string, error: ValidationError): string {
  const target = error.target?.constructor;
  if (target === undefined) {
    return `${field} is not allowed`;
  }
  const allowed = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(target, '', true, false)
      .map((metadata) => metadata.propertyName),
  );
  return `${field} is not allowed; allowed: ${[...allowed].join(', ')}`;
}

/**
 * Returns the field the first message names: messages start with the field's path, such as
 * `payload.user_id must be given once`, which is more precise than the top-level property.
 */
function fieldOf(message: string | undefined, property: string | undefined): string | undefined {
  const first = message?.split(' ')[0];
  return first !== undefined && property !== undefined && first.startsWith(property)
    ? first
    : property;
}

/** A ValidationPipe that also rejects a body that is not a JSON object, such as an array. */
class EventBusValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (metadata.type === 'body' && !isObject) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: ['body must be a JSON object'],
        field: 'body',
      });
    }
    return super.transform(value, metadata);
  }
}
