import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';

/** JSON keys that could change an object's prototype if some code assigned them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The errors body-parser raises, by their `type`, with the message clients get. */
const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'body must be valid JSON',
  'entity.too.large': 'body is larger than the limit',
  'encoding.unsupported': 'body has an unsupported content encoding',
  'charset.unsupported': 'body has an unsupported charset',
};

/**
 * Parses JSON bodies up to `limitBytes` and returns body errors in the shape of other 4xx
 * responses, naming `body`: 413 above the limit, 400 for invalid JSON or for a `__proto__`,
 * `constructor` or `prototype` key at any depth.
 */
export function jsonBodyParser(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, reviver: rejectPrototypeKeys });
  return (request: Request, response: Response, next: NextFunction) => {
    parse(request, response, (error?: unknown) => {
      if (error === undefined) {
        next();
        return;
      }
      const { type, status, message } = error as {
        type?: string;
        status?: number;
        message?: string;
      };
      const reason = type === undefined ? undefined : BODY_ERRORS[type];
      if (reason === undefined || status === undefined) {
        next(error);
        return;
      }
      const detail = type === 'entity.too.large' ? ` of ${limitBytes} bytes` : `: ${message}`;
      response.status(status).json({
        statusCode: status,
        error: status === 413 ? 'Payload Too Large' : 'Bad Request',
        message: [`${reason}${detail}`],
        field: 'body',
      });
    });
  };
}

function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) {
    throw new SyntaxError(`the key "${key}" is not allowed`);
  }
  return value;
}
