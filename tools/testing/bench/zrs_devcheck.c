// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_devcheck DEV READS WRITE_MB: what the swap device costs, measured in
 * the guest before the workloads (make bench, zrs.devcheck=): READS random
 * 4 KiB O_DIRECT reads at queue depth one (each waits for the one before),
 * then a sequential O_DIRECT write of WRITE_MB MiB in 256 KiB requests, four
 * in flight (four threads, each writing every fourth request: swap-out
 * writes with several requests in flight, so a device's write bandwidth,
 * not one request's round trip, is what it pays), and an fsync.  Prints
 * one line:
 *
 *   DEVCHECK reads=N read_us_mean=.. read_us_p50=.. read_us_p90=..
 *            read_us_p99=.. write_mb=M write_mbps=..
 *
 * It overwrites the device: run it before mkswap.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

#define WRITERS 4
#define WCHUNK (256 << 10)

struct writer {
	pthread_t t;
	int fd, idx;
	long chunks;
	void *buf;
	int err;
};

static void *write_part(void *arg)
{
	struct writer *w = arg;
	long i;

	for (i = w->idx; i < w->chunks; i += WRITERS)
		if (pwrite(w->fd, w->buf, WCHUNK, (off_t)i * WCHUNK) != WCHUNK) {
			w->err = 1;
			break;
		}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const size_t wchunk = WCHUNK;
	struct writer w[WRITERS];
	uint64_t size, state = 0x9e3779b97f4a7c15ull;
	double *lat, sum = 0, t0, t1;
	long reads, wmb, i;
	void *buf;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: zrs_devcheck DEV READS WRITE_MB\n");
		return 2;
	}
	reads = atol(argv[2]);
	wmb = atol(argv[3]);
	if (reads < 1 || wmb < 1)
		return 2;
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) || size < (uint64_t)wmb << 20) {
		perror(argv[1]);
		return 1;
	}
	lat = calloc(reads, sizeof(*lat));
	if (!lat || posix_memalign(&buf, 4096, wchunk))
		return 1;
	memset(buf, 0x5a, wchunk);
	/* Warm-up: the first request of a fresh device pays for setting up. */
	if (pread(fd, buf, 4096, 0) != 4096) {
		perror("pread");
		return 1;
	}
	for (i = 0; i < reads; i++) {
		uint64_t off;

		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		off = (state % (size / 4096)) * 4096;
		t0 = now_us();
		if (pread(fd, buf, 4096, off) != 4096) {
			perror("pread");
			return 1;
		}
		lat[i] = now_us() - t0;
		sum += lat[i];
	}
	qsort(lat, reads, sizeof(*lat), cmp);
	t0 = now_us();
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .fd = fd, .idx = i, .chunks = (wmb << 20) / (long)wchunk, .buf = buf };
		if (pthread_create(&w[i].t, NULL, write_part, &w[i])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].err) {
			perror("pwrite");
			return 1;
		}
	}
	if (fsync(fd)) {
		perror("fsync");
		return 1;
	}
	t1 = now_us();
	printf("DEVCHECK reads=%ld read_us_mean=%.0f read_us_p50=%.0f read_us_p90=%.0f read_us_p99=%.0f write_mb=%ld write_qd=%d write_mbps=%.1f\n",
	       reads, sum / reads, lat[reads / 2], lat[reads * 9 / 10], lat[reads * 99 / 100],
	       wmb, WRITERS, wmb * 1048576.0 / (t1 - t0));
	return 0;
}
