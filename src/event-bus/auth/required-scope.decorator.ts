import { SetMetadata } from '@nestjs/common';
import { API_KEY_QUERY_METADATA, REQUIRED_SCOPE_METADATA } from '../event-bus.constants.js';
import type { ApiKeyScope } from '../interfaces/event-bus-options.interface.js';

/**
 * Sets the scope an API key needs for a route guarded by `ApiKeyGuard`. Without it, GET and HEAD
 * routes need `read` and every other method needs `publish`.
 * @example
 * @Post('replay')
 * @RequiredScope('publish')
 * replay() {}
 */
export const RequiredScope = (scope: ApiKeyScope) => SetMetadata(REQUIRED_SCOPE_METADATA, scope);

/** Lets a route accept the key as the `api_key` query parameter, for browser streams. */
export const AllowApiKeyQuery = () => SetMetadata(API_KEY_QUERY_METADATA, true);
