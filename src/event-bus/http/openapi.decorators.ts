import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from './dto/error-response.dto.js';

/** Name of the OpenAPI security scheme for the `X-API-Key` header, added by `addApiKey()`. */
export const API_KEY_SECURITY_SCHEME = 'api_key';

/** Name of the OpenAPI security scheme for `Authorization: Bearer`, added by `addBearerAuth()`. */
export const BEARER_SECURITY_SCHEME = 'bearer';

/**
 * Documents a route or controller guarded by `ApiKeyGuard`: either security scheme, and the 401
 * and 403 responses. The schemes must be added to the document under the names above.
 * @example
 * @Controller('orders')
 * @UseGuards(ApiKeyGuard)
 * @ApiKeyAuth()
 * export class OrdersController {}
 */
export function ApiKeyAuth(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiSecurity(API_KEY_SECURITY_SCHEME),
    ApiBearerAuth(BEARER_SECURITY_SCHEME),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'API keys are configured and the request has none, or an unknown one.',
      example: {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>',
      },
    }),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: 'The key lacks the scope of the route: read for GET, publish otherwise.',
      example: {
        statusCode: 403,
        error: 'Forbidden',
        message: 'The API key lacks the "publish" scope; it has: read',
      },
    }),
  );
}
