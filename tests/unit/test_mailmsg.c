/* Message reading for the interface's inspection: RFC 2047 encoded words
 * (UTF-8 and ISO-8859-1, Q and B, adjacent words, broken ones kept),
 * folded headers, dates, From display names, the rendered text (multipart,
 * quoted-printable, base64, Latin-1 body), and the list of a Maildir read
 * beneath its fd with symlinks refused. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/mailmsg.h"

static char *decode(const char *in)
{
	struct strbuf sb = STRBUF_INIT;
	mailmsg_decode_words(in, strlen(in), &sb);
	return sb_detach(&sb);
}

#define CHECK_DECODE(in, want) do {                                        \
		char *got_ = decode(in);                                    \
		if (strcmp(got_, want) != 0)                                \
			fprintf(stderr, "decode(%s) = [%s]\n", in, got_);  \
		CU_ASSERT_STRING_EQUAL(got_, want);                         \
		free(got_);                                                 \
	} while (0)

static void test_encoded_words(void)
{
	CHECK_DECODE("=?UTF-8?Q?R=C3=A9union_d=C3=A9cal=C3=A9e_=C3=A0_jeudi_14h?=",
		     "Réunion décalée à jeudi 14h");
	CHECK_DECODE("=?UTF-8?B?UG9pbnQgZCfDqXF1aXBlIHZlbmRyZWRp?=", "Point d'équipe vendredi");
	CHECK_DECODE("=?iso-8859-1?q?caf=E9?=", "café");
	CHECK_DECODE("=?ISO-8859-1?B?6XTp?=", "été");
	/* the space between two encoded words goes; around plain text it stays */
	CHECK_DECODE("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab");
	CHECK_DECODE("Re: =?UTF-8?Q?caf=C3=A9?= ok", "Re: café ok");
	/* RFC 2231 language suffix */
	CHECK_DECODE("=?UTF-8*fr?Q?=C3=A9?=", "é");
	/* not encoded words: kept as written */
	CHECK_DECODE("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=");
	CHECK_DECODE("=?no-such-charset-xyz?Q?abc?=", "=?no-such-charset-xyz?Q?abc?=");
	CHECK_DECODE("a =? b", "a =? b");
	CHECK_DECODE("plain", "plain");
	/* a decoded escape sequence is returned raw: the caller sanitises */
	CHECK_DECODE("=?UTF-8?Q?=1B[31m?=", "\x1b[31m");
}

static const char sample[] =
	"Return-Path: <a@b>\n"
	"Date: Wed, 25 Nov 2026 22:42:50 +0100\n"
	"From: =?UTF-8?Q?Jos=C3=A9?= <jose@example.com>\n"
	"To: John <john@example.com>\n"
	"Subject: a long\n"
	"\tfolded subject\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"=_b1\"\n"
	"\n"
	"preamble\n"
	"--=_b1\n"
	"Content-Type: text/plain; charset=ISO-8859-1\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"Caf=E9 cr=E8me, a soft=\n"
	" break.\n"
	"--=_b1\n"
	"Content-Type: application/pdf; name=\"x.pdf\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"JVBERi0=\n"
	"--=_b1--\n";

static void test_headers(void)
{
	struct strbuf h = STRBUF_INIT;
	CU_ASSERT_TRUE(mailmsg_header(sample, strlen(sample), "subject", &h));
	CU_ASSERT_STRING_EQUAL(sb_str(&h), "a long folded subject");
	sb_reset(&h);
	/* a header of a part is not one of the message */
	CU_ASSERT_FALSE(mailmsg_header(sample, strlen(sample), "Content-Transfer-Encoding", &h));
	sb_reset(&h);
	CU_ASSERT_TRUE(mailmsg_header(sample, strlen(sample), "From", &h));
	struct strbuf f = STRBUF_INIT;
	mailmsg_from_display(h.buf, h.len, &f);
	CU_ASSERT_STRING_EQUAL(sb_str(&f), "José");
	sb_reset(&f);
	mailmsg_from_display("<x@y.z>", 7, &f);
	CU_ASSERT_STRING_EQUAL(sb_str(&f), "x@y.z");
	sb_reset(&f);
	mailmsg_from_display("\"Doe, Jane\" <j@d.e>", 19, &f);
	CU_ASSERT_STRING_EQUAL(sb_str(&f), "Doe, Jane");
	sb_free(&f);
	sb_free(&h);
}

static void test_dates(void)
{
	int64_t t = 0;
	char text[24];
	CU_ASSERT_TRUE(mailmsg_parse_date("Wed, 25 Nov 2026 22:42:50 +0000", &t, text, sizeof text));
	CU_ASSERT_STRING_EQUAL(text, "2026-11-25 22:42");
	CU_ASSERT_EQUAL(t, 1795646570);
	int64_t t2 = 0;
	CU_ASSERT_TRUE(mailmsg_parse_date("25 Nov 2026 23:42:50 +0100", &t2, NULL, 0));
	CU_ASSERT_EQUAL(t2, t);
	CU_ASSERT_TRUE(mailmsg_parse_date("Wed, 25 Nov 2026 17:42 EST", &t2, NULL, 0));
	CU_ASSERT_EQUAL(t2, t - 50);
	CU_ASSERT_FALSE(mailmsg_parse_date("yesterday", &t2, NULL, 0));
	CU_ASSERT_FALSE(mailmsg_parse_date("Wed, 25 Foo 2026 22:42:50 +0000", &t2, NULL, 0));
}

static void test_render(void)
{
	struct strbuf out = STRBUF_INIT;
	mailmsg_render(sample, strlen(sample), &out);
	const char *s = sb_str(&out);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "From: José <jose@example.com>\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "Subject: a long folded subject\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n\nCafé crème, a soft break.\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "[application/pdf: x.pdf"));
	CU_ASSERT_PTR_NULL(strstr(s, "JVBERi0"));
	CU_ASSERT_PTR_NULL(strstr(s, "preamble"));
	CU_ASSERT_PTR_NULL(strstr(s, "Return-Path"));
	sb_free(&out);

	static const char b64[] = "Subject: x\nContent-Transfer-Encoding: base64\n\nw6l0w6kK\n";
	sb_init(&out);
	mailmsg_render(b64, strlen(b64), &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb_str(&out), "\n\nété\n"));
	sb_free(&out);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_list(void)
{
	char dir[] = "/tmp/test_mailmsg.XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char sub[4200];
	snprintf(sub, sizeof sub, "%s/new", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof sub, "%s/cur", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof sub, "%s/tmp", dir);
	mkdir(sub, 0700);
	char newdir[4200], curdir[4200];
	snprintf(newdir, sizeof newdir, "%s/new", dir);
	snprintf(curdir, sizeof curdir, "%s/cur", dir);
	put(newdir, "1795646577.V1I1M1.mail",
	    "Date: Wed, 25 Nov 2026 22:42:50 +0000\nFrom: Jane <j@x>\n"
	    "Subject: =?UTF-8?Q?R=C3=A9union?=\n\nbody\n");
	put(curdir, "1795000000.V1I2M2.mail:2,S", "From: old@x\nSubject: old\n\nbody\n");
	put(curdir, "1795100000.V1I3M3.mail:2,", "Subject: unread\n\nx\n");
	/* a symlink in cur/ is not followed */
	char link[4300];
	snprintf(link, sizeof link, "%s/1795200000.V1I4M4.mail:2,S", curdir);
	CU_ASSERT_EQUAL(symlink("/etc/passwd", link), 0);

	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_FATAL(fd >= 0);
	struct mailmsg *v = NULL;
	size_t n = 0;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(mailmsg_list(fd, &v, &n, &d), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	/* newest first */
	CU_ASSERT_STRING_EQUAL(v[0].subject, "Réunion");
	CU_ASSERT_STRING_EQUAL(v[0].from, "Jane");
	CU_ASSERT_TRUE(v[0].is_new);
	CU_ASSERT_FALSE(v[0].seen);
	CU_ASSERT_STRING_EQUAL(v[0].date_text, "2026-11-25 22:42");
	CU_ASSERT_STRING_EQUAL(v[1].subject, "unread");
	CU_ASSERT_FALSE(v[1].seen);
	CU_ASSERT_FALSE(v[1].is_new);
	CU_ASSERT_STRING_EQUAL(v[2].subject, "old");
	CU_ASSERT_TRUE(v[2].seen);
	CU_ASSERT_STRING_EQUAL(v[2].from, "old@x");

	struct strbuf text = STRBUF_INIT;
	CU_ASSERT_EQUAL(mailmsg_read(fd, v[0].path, 1 << 20, &text, &d), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb_str(&text), "\n\nbody\n"));
	sb_reset(&text);
	CU_ASSERT_EQUAL(mailmsg_read(fd, "cur/1795200000.V1I4M4.mail:2,S", 1 << 20, &text, &d), -1);
	CU_ASSERT_EQUAL(mailmsg_read(fd, "cur/../../etc/passwd", 1 << 20, &text, &d), -1);
	CU_ASSERT_EQUAL(text.len, 0);
	sb_free(&text);
	diags_free(&d);
	mailmsg_list_free(&v, n);
	CU_ASSERT_PTR_NULL(v);
	close(fd);

	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "encoded words", test_encoded_words },
		{ "headers", test_headers },
		{ "dates", test_dates },
		{ "render", test_render },
		{ "list", test_list },
		CU_TEST_INFO_NULL,
	};
	return cu_run("mailmsg", tests);
}
