/** RFC 9457 problem details. */
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
  const body: Problem = { type: p.type ?? 'about:blank', title: p.title ?? TITLES[p.status] ?? 'Error', status: p.status, detail: p.detail, ...(p.errors ? { errors: p.errors } : {}) };
  res.status(p.status).type('application/problem+json').send(JSON.stringify(body));
}
