import { Inject, Logger, type HttpException } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { WebSocket } from 'ws';
import { ApiKeyGuard, assertAllowed } from '../../auth/api-key.guard.js';
import {
  formatFromQuery,
  INVALID_FORMAT_MESSAGE,
  type MessageFormat,
} from '../../cloudevents/message-format.js';
import { presentedKey } from '../../auth/api-key.verifier.js';
import { EVENT_BUS_RESOLVED_OPTIONS } from '../../event-bus.constants.js';
import type { ResolvedEventBusOptions } from '../../event-bus.options.js';
import { EventBusService } from '../../event-bus.service.js';
import { EventBusException } from '../../exceptions/event-bus.exception.js';
import { InvalidFilterException } from '../../exceptions/invalid-filter.exception.js';
import { StreamClientsRegistry, type StreamClient } from '../stream-clients.registry.js';
import { StreamSession } from '../stream-session.js';
import { frameWsEvent, WsSink } from './ws.sink.js';
import { parseWsSubscribeRequest } from './ws-subscribe-request.js';

/** Listener name of every WebSocket subscription in logs and metrics. */
const WS_LISTENER_NAME = 'ws-stream';

/** WebSocket close codes for a missing or unknown key and for a key without the read scope. */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;

/** One WebSocket connection: its subscriptions and its entry in the clients registry. */
interface Connection extends StreamClient {
  label: string;
  /** From the `format` query parameter of the connection URL. */
  format: MessageFormat;
  sessions: Map<string, StreamSession>;
}

/**
 * Live messages over a plain WebSocket at `/events/ws`, with the filters and resume positions of
 * the SSE stream. Clients send `{ "event": "subscribe", "data": { channels, payload, metadata,
 * last_event_id, subscription_id } }` and `{ "event": "unsubscribe", "data": { subscription_id } }`.
 */
@WebSocketGateway({ path: '/events/ws', verifyClient: rejectInvalidFormat })
export class EventsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('EventBus:WebSocket');
  private readonly connections = new WeakMap<WebSocket, Connection>();

  constructor(
    private readonly bus: EventBusService,
    private readonly clients: StreamClientsRegistry,
    private readonly guard: ApiKeyGuard,
    @Inject(EVENT_BUS_RESOLVED_OPTIONS) private readonly options: ResolvedEventBusOptions,
  ) {}

  handleConnection(socket: WebSocket, request?: IncomingMessage): void {
    if (!this.authorize(socket, request)) {
      return;
    }
    const connection: Connection = {
      label: `${request?.socket.remoteAddress}:${request?.socket.remotePort}`,
      format: formatFromQuery(requestUrl(request).searchParams) ?? 'envelope',
      sessions: new Map(),
      end: () => {
        socket.send(frameWsEvent('', { kind: 'shutdown' }));
        socket.close(1001, 'shutting down');
      },
    };
    this.connections.set(socket, connection);
    this.clients.add(connection);
  }

  handleDisconnect(socket: WebSocket): void {
    const connection = this.connections.get(socket);
    if (connection === undefined) {
      return;
    }
    connection.sessions.forEach((session) => session.stop());
    connection.sessions.clear();
    this.clients.remove(connection);
    this.connections.delete(socket);
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() data: unknown,
  ): Promise<void> {
    const connection = this.connections.get(socket);
    if (connection === undefined) {
      return;
    }

    try {
      const request = parseWsSubscribeRequest(data);
      const id = request.subscription_id ?? randomUUID();
      if (connection.sessions.has(id)) {
        throw new InvalidFilterException(
          'subscription_id',
          id,
          'an id not already in use on this connection',
        );
      }
      const sink = new WsSink(
        socket,
        id,
        this.options.stream.maxBufferedBytes,
        connection.label,
        this.logger,
        connection.format,
      );
      const session = new StreamSession(this.bus, request.filter, sink, WS_LISTENER_NAME);
      session.open();
      connection.sessions.set(id, session);
      socket.send(JSON.stringify({ event: 'subscribed', data: { subscription_id: id } }));
      await session.resume(request.last_event_id);
    } catch (error) {
      this.sendError(socket, error);
    }
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() data: unknown): void {
    const connection = this.connections.get(socket);
    const id = (data as { subscription_id?: unknown } | null)?.subscription_id;
    const session = typeof id === 'string' ? connection?.sessions.get(id) : undefined;
    if (connection === undefined || session === undefined) {
      this.sendError(
        socket,
        new InvalidFilterException(
          'subscription_id',
          id,
          'the id of a subscription on this connection',
        ),
      );
      return;
    }
    session.stop();
    connection.sessions.delete(id as string);
    socket.send(JSON.stringify({ event: 'unsubscribed', data: { subscription_id: id } }));
  }

  /** Closes the connection unless it carries a key with the `read` scope (when keys are set). */
  private authorize(socket: WebSocket, request: IncomingMessage | undefined): boolean {
    const url = requestUrl(request);
    const key = presentedKey(request?.headers ?? {}, url.searchParams.get('api_key') ?? undefined);
    try {
      assertAllowed(this.guard.verifier, key, 'read');
      return true;
    } catch (error) {
      const status = (error as HttpException).getStatus();
      const message = (error as HttpException).message;
      socket.send(JSON.stringify({ event: 'error', data: { field: 'api_key', message } }));
      socket.close(status === 401 ? CLOSE_UNAUTHORIZED : CLOSE_FORBIDDEN, message);
      return false;
    }
  }

  private sendError(socket: WebSocket, error: unknown): void {
    if (!(error instanceof EventBusException)) {
      this.logger.error(
        `WebSocket request failed: ${(error as Error).message}`,
        (error as Error).stack,
      );
    }
    const field = error instanceof InvalidFilterException ? error.parameter : undefined;
    const message =
      error instanceof EventBusException
        ? error.message
        : 'The request failed; see the service log';
    socket.send(JSON.stringify({ event: 'error', data: { field, message } }));
  }
}

function requestUrl(request: IncomingMessage | undefined): URL {
  return new URL(request?.url ?? '/', 'http://localhost');
}

/**
 * Rejects a WebSocket upgrade with a 400 whose JSON body names `format` when the `format`
 * parameter of the connection URL is repeated or not one of `MESSAGE_FORMATS`.
 */
function rejectInvalidFormat(
  info: { req: IncomingMessage },
  accept: (
    verified: boolean,
    code?: number,
    message?: string,
    headers?: OutgoingHttpHeaders,
  ) => void,
): void {
  if (formatFromQuery(requestUrl(info.req).searchParams) !== undefined) {
    accept(true);
    return;
  }
  const body = {
    statusCode: 400,
    error: 'Bad Request',
    message: [INVALID_FORMAT_MESSAGE],
    field: 'format',
  };
  accept(false, 400, JSON.stringify(body), { 'Content-Type': 'application/json; charset=utf-8' });
}
