import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { API_KEY_QUERY_METADATA, REQUIRED_SCOPE_METADATA } from '../event-bus.constants.js';
import type { ApiKeyScope } from '../interfaces/event-bus-options.interface.js';
import { ApiKeyVerifier, presentedKey } from './api-key.verifier.js';

/**
 * Requires an API key with the route's scope when keys are configured: a missing or unknown
 * key gets 401, a key without the scope 403. With no keys configured every request passes and
 * start-up logs one warning.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    readonly verifier: ApiKeyVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const targets = [context.getHandler(), context.getClass()];
    const scope =
      this.reflector.getAllAndOverride<ApiKeyScope | undefined>(REQUIRED_SCOPE_METADATA, targets) ??
      (['GET', 'HEAD'].includes(request.method) ? 'read' : 'publish');
    const queryAllowed = this.reflector.getAllAndOverride<boolean>(API_KEY_QUERY_METADATA, targets);

    const key = presentedKey(request.headers, queryAllowed ? request.query.api_key : undefined);
    return assertAllowed(this.verifier, key, scope);
  }
}

/**
 * Throws the HTTP error for a key that does not grant `scope`.
 * @throws UnauthorizedException when the key is missing or unknown
 * @throws ForbiddenException when the key lacks the scope
 */
export function assertAllowed(
  verifier: ApiKeyVerifier,
  key: string | undefined,
  scope: ApiKeyScope,
): true {
  const check = verifier.check(key, scope);
  switch (check.outcome) {
    case 'open':
    case 'allowed':
      return true;
    case 'missing':
      throw new UnauthorizedException(
        'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>',
      );
    case 'invalid':
      throw new UnauthorizedException('The API key is not valid');
    case 'forbidden':
      throw new ForbiddenException(
        `The API key lacks the "${scope}" scope; it has: ${check.scopes.join(', ')}`,
      );
  }
}
