#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's modelled swap device: an NBD server that charges latency.

QEMU's throttle limits the rate only (a bucket: below the rate it delays
nothing), and 6.1's dm-delay counts its delay in whole jiffies (4 ms at
this kernel's HZ=250): neither gives a fixed sub-millisecond latency per
request.  This server does, on the host's clock (which is the guest's:
under TCG its TSC is the host's):

  read   completes at arrival + READ_US (a 4 KiB read) + the bytes past
         4 KiB / READ_MBPS (readahead's longer reads), reads
         overlapping freely (an SSD serves a queue in parallel: at queue
         depth one, each pays READ_US);
  write  completes at max(arrival, end of the previous write) + length /
         WRITE_MBPS: writes share the bandwidth one after the other;
  flush  completes when the writes before it have.

The data lives in IMAGE (a sparse file, read and written at once; only
the reply waits).  One connection at a time, accepted again after a
disconnect (a guest booted again); each connection appends a STATS line
to STATS: requests, bytes, and how late the replies went out against
their due time (the server's own error).  Killed with SIGTERM.

Usage: nbd-delay.py SOCKET IMAGE SIZE_MB READ_US READ_MBPS WRITE_MBPS STATS
(a rate of 0: no bandwidth charge.)  Python 3 standard library only.
"""
import heapq
import os
import signal
import socket
import struct
import sys
import threading
import time

NBDMAGIC = 0x4E42444D41474943
IHAVEOPT = 0x49484156454F5054
REPLY_MAGIC_OPT = 0x0003E889045565A9
REQ_MAGIC = 0x25609513
SIMPLE_REPLY = 0x67446698
FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES = 1, 2
OPT_EXPORT_NAME, OPT_ABORT, OPT_INFO, OPT_GO = 1, 2, 6, 7
REP_ACK, REP_INFO, REP_ERR_UNSUP = 1, 3, 0x80000001
INFO_EXPORT = 0
TFLAG_HAS_FLAGS, TFLAG_SEND_FLUSH = 1, 4
CMD_READ, CMD_WRITE, CMD_DISC, CMD_FLUSH = 0, 1, 2, 3
EINVAL = 22


def recv_exact(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


class Replier(threading.Thread):
    """Sends each reply at its due time (a heap ordered by due time)."""

    def __init__(self, conn):
        super().__init__(daemon=True)
        self.conn, self.heap, self.seq = conn, [], 0
        self.cv = threading.Condition()
        self.closing = False
        self.late = []
        # The wake-up's own delay (timer slack, scheduling: some 50-100 us
        # on a busy host), learnt as it goes: each reply's wait ends that
        # much before its due time.  A median tracker (5 us up after a late
        # reply, 5 us down after an early one, within 0-500 us): the rare
        # wake-up that a busy host delays by milliseconds moves it by 5 us
        # only.
        self.overshoot = 0.0

    def put(self, due, data):
        with self.cv:
            self.seq += 1
            heapq.heappush(self.heap, (due, self.seq, data))
            self.cv.notify()

    def close(self):
        with self.cv:
            self.closing = True
            self.cv.notify()

    def run(self):
        while True:
            slept = False
            with self.cv:
                while True:
                    if self.heap:
                        wait = self.heap[0][0] - self.overshoot - time.monotonic()
                        if wait <= 0:
                            due, _, data = heapq.heappop(self.heap)
                            break
                        self.cv.wait(wait)
                        slept = True
                    elif self.closing:
                        return
                    else:
                        self.cv.wait()
            late = time.monotonic() - due
            self.late.append(late)
            if slept:  # the timer's error, not a backlog's
                step = 5e-6 if late > 0 else -5e-6
                self.overshoot = min(max(self.overshoot + step, 0.0), 500e-6)
            try:
                self.conn.sendall(data)
            except OSError:
                return


def opt_reply(conn, opt, rtype, data=b""):
    conn.sendall(struct.pack(">QIII", REPLY_MAGIC_OPT, opt, rtype, len(data)) + data)


def handshake(conn, size):
    """Fixed newstyle negotiation; True when transmission starts."""
    conn.sendall(struct.pack(">QQH", NBDMAGIC, IHAVEOPT, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES))
    (cflags,) = struct.unpack(">I", recv_exact(conn, 4))
    tflags = TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH
    while True:
        magic, opt, length = struct.unpack(">QII", recv_exact(conn, 16))
        if magic != IHAVEOPT:
            return False
        data = recv_exact(conn, length) if length else b""
        if opt == OPT_EXPORT_NAME:
            conn.sendall(struct.pack(">QH", size, tflags) + (b"" if cflags & FLAG_NO_ZEROES else bytes(124)))
            return True
        if opt in (OPT_GO, OPT_INFO):
            opt_reply(conn, opt, REP_INFO, struct.pack(">HQH", INFO_EXPORT, size, tflags))
            opt_reply(conn, opt, REP_ACK)
            if opt == OPT_GO:
                return True
        elif opt == OPT_ABORT:
            opt_reply(conn, opt, REP_ACK)
            return False
        else:  # structured replies, meta contexts, ...: simple replies only
            opt_reply(conn, opt, REP_ERR_UNSUP)


def serve(conn, fd, size, read_s, read_bps, write_bps, stats):
    if not handshake(conn, size):
        return
    rep = Replier(conn)
    rep.start()
    wbusy = 0.0
    n = {"reads": 0, "read_bytes": 0, "writes": 0, "write_bytes": 0, "flushes": 0}
    t0 = time.monotonic()
    try:
        while True:
            magic, _flags, cmd, handle, off, length = struct.unpack(">IHHQQI", recv_exact(conn, 28))
            if magic != REQ_MAGIC:
                break
            now = time.monotonic()
            if cmd == CMD_READ:
                err, data = 0, b""
                if off + length > size:
                    err = EINVAL
                else:
                    data = os.pread(fd, length, off)
                    data += bytes(length - len(data))
                due = now + read_s + (max(length - 4096, 0) / read_bps if read_bps else 0)
                n["reads"] += 1
                n["read_bytes"] += length
                rep.put(due, struct.pack(">IIQ", SIMPLE_REPLY, err, handle) + (data if not err else b""))
            elif cmd == CMD_WRITE:
                data = recv_exact(conn, length)
                err = 0
                if off + length > size:
                    err = EINVAL
                else:
                    os.pwrite(fd, data, off)
                wbusy = max(now, wbusy) + (length / write_bps if write_bps else 0)
                n["writes"] += 1
                n["write_bytes"] += length
                rep.put(wbusy, struct.pack(">IIQ", SIMPLE_REPLY, err, handle))
            elif cmd == CMD_FLUSH:
                n["flushes"] += 1
                rep.put(max(now, wbusy), struct.pack(">IIQ", SIMPLE_REPLY, 0, handle))
            elif cmd == CMD_DISC:
                break
            else:
                rep.put(now, struct.pack(">IIQ", SIMPLE_REPLY, EINVAL, handle))
    except (EOFError, OSError):
        pass
    rep.close()
    rep.join(timeout=10)
    late = sorted(rep.late) or [0.0]
    with open(stats, "a") as f:
        f.write("NBDSTATS secs=%.1f %s late_us_mean=%.0f late_us_p50=%.0f late_us_p99=%.0f\n" % (
            time.monotonic() - t0, " ".join("%s=%d" % kv for kv in n.items()),
            1e6 * sum(late) / len(late), 1e6 * late[len(late) // 2],
            1e6 * late[min(len(late) - 1, int(len(late) * 0.99))]))


def main():
    if len(sys.argv) != 8:
        sys.exit("usage: nbd-delay.py SOCKET IMAGE SIZE_MB READ_US READ_MBPS WRITE_MBPS STATS")
    path, image = sys.argv[1], sys.argv[2]
    size = int(sys.argv[3]) << 20
    read_s = float(sys.argv[4]) / 1e6
    read_bps = float(sys.argv[5]) * 1e6
    write_bps = float(sys.argv[6]) * 1e6
    stats = sys.argv[7]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    fd = os.open(image, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.ftruncate(fd, size)
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    try:
        while True:
            conn, _ = srv.accept()
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            with conn:
                serve(conn, fd, size, read_s, read_bps, write_bps, stats)
    finally:
        srv.close()
        os.unlink(path)
        os.close(fd)
        os.unlink(image)


if __name__ == "__main__":
    main()
