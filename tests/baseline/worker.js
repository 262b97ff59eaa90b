// One plain D1 statement per request, nothing else.
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/v1/health') return Response.json({ status: 'ok' });
    if (request.method === 'POST') {
      const body = await request.text();
      await env.DB.prepare('INSERT INTO hits (body, at) VALUES (?, ?)').bind(body, Date.now()).run();
      return Response.json({ ok: true }, { status: 201 });
    }
    const row = await env.DB.prepare('SELECT id, body, at FROM hits WHERE id = ?').bind(1).first();
    return Response.json(row);
  },
};
