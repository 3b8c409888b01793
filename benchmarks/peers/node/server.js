// The Node `ocpp-rpc` peer for benchmarks/compare.py: an OCPP 1.6J and 2.0.1 central system
// answering every message of the `ampyre bench` mixes, with strict validation (ocpp-rpc's
// bundled OCA JSON schemas, requests and responses). No database.
//
//   node server.js --port 9400 [--host 127.0.0.1]
'use strict';
const { RPCServer } = require('ocpp-rpc');

const args = process.argv.slice(2);
const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(option('--port', '9400'));
const host = option('--host', '127.0.0.1');

const server = new RPCServer({
    protocols: ['ocpp2.0.1', 'ocpp1.6'],
    strictMode: true,
    pingIntervalMs: 24 * 3600 * 1000, // like the bench: no keepalive pings
    wssOptions: { perMessageDeflate: false, maxPayload: 1 << 20, backlog: 4096 },
});

let transactionIds = 0;
const now = () => new Date().toISOString();
const accepted = { status: 'Accepted' };

server.on('client', (client) => {
    const boot = () => ({ currentTime: now(), interval: 300, status: 'Accepted' });
    client.handle('BootNotification', boot);
    client.handle('Heartbeat', () => ({ currentTime: now() }));
    client.handle('StatusNotification', () => ({}));
    client.handle('MeterValues', () => ({}));
    if (client.protocol === 'ocpp1.6') {
        client.handle('Authorize', () => ({ idTagInfo: accepted }));
        client.handle('StartTransaction', () => ({
            transactionId: ++transactionIds,
            idTagInfo: accepted,
        }));
        client.handle('StopTransaction', () => ({ idTagInfo: accepted }));
    } else {
        client.handle('Authorize', () => ({ idTokenInfo: accepted }));
        client.handle('TransactionEvent', () => ({}));
    }
});

server.listen(port, host).then(() => {
    console.log(`ocpp-rpc peer on ws://${host}:${port}/ocpp`);
});

const stop = () => server.close({ awaitPending: false, force: true }).then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
