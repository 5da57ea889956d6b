import request from 'supertest';
import type { App } from 'supertest/types.js';
import type { HistoryPage } from '../../src/event-bus/index.js';

/** The JSON body of a 400 response from the service's routes. */
export interface BadRequestBody {
  statusCode: number;
  error: string;
  message: string | string[];
  field?: string;
}

/** Joins the message of an error body into one string, whether the route sent a string or a list. */
export function messageText(body: BadRequestBody): string {
  return Array.isArray(body.message) ? body.message.join('\n') : body.message;
}

/** Reads one history page and fails unless the status is 200. */
export async function readHistory(http: App, query = ''): Promise<HistoryPage> {
  const response = await request(http).get(`/events/history?${query}`).expect(200);
  return response.body as HistoryPage;
}

/** Reads every message in history, oldest first. */
export async function readWholeHistory(http: App): Promise<HistoryPage['items']> {
  const page = await readHistory(http, 'order=asc&limit=1000');
  return page.items;
}

/** A UUID v4, as `message_id` and `causation_id` must be. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An ISO 8601 UTC timestamp with milliseconds. */
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
