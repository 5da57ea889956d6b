/** The only address a bench server binds and a bench client connects to. */
export const LOOPBACK = '127.0.0.1';
