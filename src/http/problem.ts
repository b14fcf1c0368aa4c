/** RFC 9457 problem details. */
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';

export interface Problem {
  status: number;
  title: string;
  detail: string;
  type?: string;
  errors?: { path: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
};

export function sendProblem(res: Response, p: Omit<Problem, 'title'> & { title?: string }): void {
  const body: Problem = { type: p.type ?? 'about:blank', title: p.title ?? TITLES[p.status] ?? STATUS_CODES[p.status] ?? 'Error', status: p.status, detail: p.detail, ...(p.errors ? { errors: p.errors } : {}) };
  const text = JSON.stringify(body);
  // Set by hand and ended with the text: res.send/res.json would append `; charset=utf-8`, and clients compare the
  // media type of an error exactly (JSON is UTF-8 by definition, RFC 8259, so the parameter says nothing).
  res.status(p.status);
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
