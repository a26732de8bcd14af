/* check: a header-only TAP-style harness for the unit tests. Every check
 * prints "ok N - desc" or "not ok N - desc (file:line: detail)"; a failed
 * check does not stop the program, check_done() prints the plan and the
 * totals and returns the exit status (non-zero when anything failed).
 * check_section() names the group the following checks belong to. */
#ifndef ARCADE_CHECK_H
#define ARCADE_CHECK_H

#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int check_n_, check_failed_;
static const char *check_sect_ = "";

__attribute__((unused)) static void check_section(const char *name)
{
	check_sect_ = name;
	printf("# %s\n", name);
}

/* Prints a byte string with everything outside printable ASCII escaped. */
__attribute__((unused)) static void check_dump_(FILE *f, const void *p, size_t n)
{
	const unsigned char *s = p;

	if (!p) {
		fputs("(null)", f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			fputc(s[i], f);
		else
			fprintf(f, "\\x%02x", s[i]);
	}
	fputc('"', f);
}

__attribute__((unused)) static void check_begin_(int ok, const char *desc)
{
	check_n_++;
	if (!ok)
		check_failed_++;
	printf("%sok %d - %s%s", ok ? "" : "not ", check_n_, check_sect_, *check_sect_ ? ": " : "");
	/* One line per check, whatever the description holds. */
	for (const unsigned char *d = (const unsigned char *)desc; *d; d++)
		if (*d < 0x20 || *d == 0x7f)
			printf("\\x%02x", *d);
		else
			putchar(*d);
}

__attribute__((unused)) static int check_bool_(int ok, const char *desc, const char *file, int line)
{
	check_begin_(ok, desc);
	if (!ok)
		printf(" (%s:%d: false)", file, line);
	putchar('\n');
	return ok;
}

__attribute__((unused)) static int check_mem_(const void *a, size_t an, const void *b, size_t bn, const char *desc,
					     const char *file, int line)
{
	int ok = (a == NULL && b == NULL) || (a && b && an == bn && memcmp(a, b, an) == 0);

	check_begin_(ok, desc);
	if (!ok) {
		printf(" (%s:%d: got ", file, line);
		fflush(stdout);
		check_dump_(stdout, a, an);
		printf(", want ");
		check_dump_(stdout, b, bn);
		putchar(')');
	}
	putchar('\n');
	return ok;
}

__attribute__((unused)) static int check_str_(const char *a, const char *b, const char *desc, const char *file,
					     int line)
{
	return check_mem_(a, a ? strlen(a) : 0, b, b ? strlen(b) : 0, desc, file, line);
}

__attribute__((unused)) static int check_u64_(uint64_t a, uint64_t b, const char *desc, const char *file, int line)
{
	check_begin_(a == b, desc);
	if (a != b)
		printf(" (%s:%d: got %" PRIu64 " (0x%" PRIx64 "), want %" PRIu64 " (0x%" PRIx64 "))", file, line,
		       a, a, b, b);
	putchar('\n');
	return a == b;
}

__attribute__((unused)) static int check_i64_(int64_t a, int64_t b, const char *desc, const char *file, int line)
{
	check_begin_(a == b, desc);
	if (a != b)
		printf(" (%s:%d: got %" PRId64 ", want %" PRId64 ")", file, line, a, b);
	putchar('\n');
	return a == b;
}

/* Removes a flat temporary directory: its files, then itself. */
__attribute__((unused)) static void check_rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Prints the plan and the totals; returns the process exit status. */
__attribute__((unused)) static int check_done(void)
{
	printf("1..%d\n", check_n_);
	if (check_failed_)
		printf("# FAILED %d of %d checks\n", check_failed_, check_n_);
	else
		printf("# all %d checks passed\n", check_n_);
	fflush(stdout);
	return check_failed_ ? 1 : 0;
}

#define CHECK(cond) check_bool_(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_MSG(cond, desc) check_bool_(!!(cond), (desc), __FILE__, __LINE__)
#define CHECK_EQ_STR(a, b) check_str_((a), (b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_EQ_STR_MSG(a, b, desc) check_str_((a), (b), (desc), __FILE__, __LINE__)
#define CHECK_EQ_MEM(a, an, b, bn) check_mem_((a), (an), (b), (bn), #a " == " #b, __FILE__, __LINE__)
#define CHECK_EQ_MEM_MSG(a, an, b, bn, desc) check_mem_((a), (an), (b), (bn), (desc), __FILE__, __LINE__)
#define CHECK_EQ_U64(a, b) check_u64_((uint64_t)(a), (uint64_t)(b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_EQ_U64_MSG(a, b, desc) check_u64_((uint64_t)(a), (uint64_t)(b), (desc), __FILE__, __LINE__)
#define CHECK_EQ_I64(a, b) check_i64_((int64_t)(a), (int64_t)(b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_EQ_INT(a, b) check_i64_((int64_t)(a), (int64_t)(b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_EQ_INT_MSG(a, b, desc) check_i64_((int64_t)(a), (int64_t)(b), (desc), __FILE__, __LINE__)
#define CHECK_NULL(p) check_bool_((p) == NULL, #p " is NULL", __FILE__, __LINE__)
#define CHECK_NOT_NULL(p) check_bool_((p) != NULL, #p " is not NULL", __FILE__, __LINE__)

#endif
