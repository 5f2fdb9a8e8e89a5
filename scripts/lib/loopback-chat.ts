// A loopback OpenAI-compatible chat endpoint (POST /v1/chat/completions on 127.0.0.1) for tests and the
// alignment evaluation: a handler decides each reply (status, headers, body, delay), so faults are scripted:
// 429 with Retry-After, 5xx, a malformed body, a slow response, a valid answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest { model: string; messages: { role: string; content: string }[]; raw: string; headers: IncomingMessage['headers'] }
export interface ChatReply { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number }
export type ChatHandler = (req: ChatRequest, n: number) => ChatReply | Promise<ChatReply>;

/** An OpenAI-style chat completion body whose message content is `content`. */
export function completionBody(content: string, model = 'loopback'): string {
  return JSON.stringify({ id: 'chatcmpl-loopback', object: 'chat.completion', created: 0, model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
}

/** The candidate codes listed in a choose-v* prompt ("- ORPHA:123 …" lines). */
export function promptCandidates(req: ChatRequest): string[] {
  const user = req.messages.find((m) => m.role === 'user')?.content ?? '';
  return [...user.matchAll(/^- ORPHA:(\d+) /gm)].map((m) => m[1]);
}

export interface LoopbackChat { baseUrl: string; requests: ChatRequest[]; close(): Promise<void> }

export async function startLoopbackChat(handler: ChatHandler): Promise<LoopbackChat> {
  const requests: ChatRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) { res.writeHead(404).end('not found'); return; }
      let parsed: { model?: string; messages?: ChatRequest['messages'] } = {};
      try { parsed = JSON.parse(raw); } catch { res.writeHead(400).end('bad json'); return; }
      const r: ChatRequest = { model: parsed.model ?? '', messages: parsed.messages ?? [], raw, headers: req.headers };
      requests.push(r);
      const reply = await handler(r, requests.length);
      if (reply.delayMs) await new Promise((ok) => setTimeout(ok, reply.delayMs));
      if (res.destroyed) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((ok) => { for (const s of sockets) s.destroy(); server.close(() => ok()); }),
  };
}
