import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, rankEnv } from '../../../src/train/distributed/launch.js';

test('rankEnv: torchrun variables for node 1 of 2 with 3 processes each', () => {
  const plan = { nprocPerNode: 3, nnodes: 2, nodeRank: 1, masterAddr: '10.1.2.3', masterPort: 29511 };
  const env = rankEnv(plan, 2, { MEDCL_THREADS: '4' });
  assert.equal(env['RANK'], '5');
  assert.equal(env['WORLD_SIZE'], '6');
  assert.equal(env['LOCAL_RANK'], '2');
  assert.equal(env['LOCAL_WORLD_SIZE'], '3');
  assert.equal(env['GROUP_RANK'], '1');
  assert.equal(env['MASTER_ADDR'], '10.1.2.3');
  assert.equal(env['MASTER_PORT'], '29511');
  assert.equal(env['MEDCL_THREADS'], '4', "the caller's thread count wins");
  assert.ok(Number(rankEnv(plan, 0, {})['MEDCL_THREADS']) >= 1);
});

test('launch: every rank sees its environment; a failing rank stops the others (onFailure kill)', async () => {
  const show = 'process.stdout.write(process.env.RANK + "/" + process.env.WORLD_SIZE + "@" + process.env.MASTER_PORT)';
  const ok = await launch({ nprocPerNode: 2, command: process.execPath, args: ['-e', show], stdio: 'pipe' });
  assert.deepEqual(
    ok.map((e) => [e.code, e.output.split('@')[0]]),
    [
      [0, '0/2'],
      [0, '1/2'],
    ],
  );
  assert.equal(ok[0]!.output.split('@')[1], ok[1]!.output.split('@')[1], 'one master port for all ranks');
  const script = 'if (process.env.RANK === "1") process.exit(3); setTimeout(() => {}, 60000)';
  const t0 = Date.now();
  const failed = await launch({ nprocPerNode: 2, command: process.execPath, args: ['-e', script], stdio: 'pipe' });
  assert.equal(failed[1]!.code, 3);
  assert.equal(failed[0]!.signal, 'SIGTERM');
  assert.ok(Date.now() - t0 < 30000);
  await assert.rejects(launch({ nprocPerNode: 2, nnodes: 2, nodeRank: 2, command: 'x', args: [] }), /nodeRank 2/);
});

test('launch: bad settings are refused before any rank starts, each named', async () => {
  await assert.rejects(launch({ nprocPerNode: 0, nnodes: 1.5, masterPort: 0, command: 'x', args: [] }), (e: Error) => {
    const lines = e.message.split('\n');
    assert.equal(lines[0], 'invalid launcher settings:');
    assert.deepEqual(lines.slice(1).sort(), [
      '  launch: masterPort: expected a positive integer, got 0',
      '  launch: nnodes: expected a positive integer, got 1.5',
      '  launch: nprocPerNode: expected a positive integer, got 0',
    ]);
    return true;
  });
  await assert.rejects(
    launch({ nprocPerNode: 1, masterAddr: '', command: 'x', args: [] }),
    /masterAddr: expected a host/,
  );
});
