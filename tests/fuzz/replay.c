/*
 * replay.c: runs a fuzz target over every file of its corpus folders, one TAP
 * result per folder, so that the committed corpus (seeds and any crash that
 * was ever found) is replayed by every `make test` under ASan/UBSan with gcc.
 *
 *   fuzz-replay-<target> DIR...
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		FILE *f;
		unsigned char *buf;
		long len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			fclose(f);
			free(buf);
			continue;
		}
		fclose(f);
		/* A crash here aborts the program: the TAP plan then shows what is missing. */
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		int n = replay_dir(argv[i]);

		if (n <= 0)
			printf("not ok %d - %s: no inputs to replay\n", i, argv[i]);
		else
			printf("ok %d - %s: %d inputs replayed\n", i, argv[i], n);
	}
	return 0;
}
