/* libpq, loaded the first time a command needs PostgreSQL. Linked at start
 * it brings some 23 libraries (Kerberos, LDAP, GnuTLS, OpenSSL) that every
 * command, the TUI and each script's call would pay ~14 ms to map before
 * main, PostgreSQL or not.
 *
 * Include this header, never <libpq-fe.h>: each libpq function below is a
 * macro naming its pointer in `pqlib`, filled by pqlib_load. A libpq
 * function missing from PQLIB_FUNCTIONS is an undefined reference at link
 * time: add it to the list (one line). */
#ifndef VMAILADM_PQLIB_H
#define VMAILADM_PQLIB_H
#include <libpq-fe.h>
#include <stdbool.h>

struct diags;

#define PQLIB_FUNCTIONS(X) \
	X(PQclear) X(PQcmdTuples) X(PQconnectdb) X(PQconnectdbParams) \
	X(PQconninfoFree) X(PQconninfoParse) X(PQerrorMessage) \
	X(PQescapeIdentifier) X(PQescapeLiteral) X(PQescapeStringConn) X(PQexec) X(PQexecParams) \
	X(PQexecPrepared) X(PQfinish) X(PQfname) X(PQfnumber) X(PQfreemem) \
	X(PQgetCopyData) X(PQputCopyData) X(PQputCopyEnd) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQnfields) \
	X(PQntuples) X(PQparameterStatus) X(PQprepare) X(PQgetResult) X(PQresStatus) \
	X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) \
	X(PQserverVersion) X(PQsetClientEncoding) X(PQsetNoticeProcessor) \
	X(PQstatus) X(PQtransactionStatus)

#define PQLIB_POINTER(f) __typeof__(f) *f;
struct pqlib {
	PQLIB_FUNCTIONS(PQLIB_POINTER)
};
#undef PQLIB_POINTER
extern struct pqlib pqlib;

/* 0 once every function is there (the library is opened once); -1 after
 * one diagnostic naming the library and what the loader said. */
int pqlib_load(struct diags *d);

#ifndef PQLIB_NO_MACROS
#define PQclear (pqlib.PQclear)
#define PQcmdTuples (pqlib.PQcmdTuples)
#define PQconnectdb (pqlib.PQconnectdb)
#define PQconnectdbParams (pqlib.PQconnectdbParams)
#define PQconninfoFree (pqlib.PQconninfoFree)
#define PQconninfoParse (pqlib.PQconninfoParse)
#define PQerrorMessage (pqlib.PQerrorMessage)
#define PQescapeIdentifier (pqlib.PQescapeIdentifier)
#define PQescapeLiteral (pqlib.PQescapeLiteral)
#define PQescapeStringConn (pqlib.PQescapeStringConn)
#define PQexec (pqlib.PQexec)
#define PQexecParams (pqlib.PQexecParams)
#define PQexecPrepared (pqlib.PQexecPrepared)
#define PQfinish (pqlib.PQfinish)
#define PQfname (pqlib.PQfname)
#define PQfnumber (pqlib.PQfnumber)
#define PQfreemem (pqlib.PQfreemem)
#define PQgetCopyData (pqlib.PQgetCopyData)
#define PQputCopyData (pqlib.PQputCopyData)
#define PQputCopyEnd (pqlib.PQputCopyEnd)
#define PQgetisnull (pqlib.PQgetisnull)
#define PQgetlength (pqlib.PQgetlength)
#define PQgetvalue (pqlib.PQgetvalue)
#define PQnfields (pqlib.PQnfields)
#define PQntuples (pqlib.PQntuples)
#define PQparameterStatus (pqlib.PQparameterStatus)
#define PQprepare (pqlib.PQprepare)
#define PQgetResult (pqlib.PQgetResult)
#define PQresStatus (pqlib.PQresStatus)
#define PQresultErrorField (pqlib.PQresultErrorField)
#define PQresultErrorMessage (pqlib.PQresultErrorMessage)
#define PQresultStatus (pqlib.PQresultStatus)
#define PQserverVersion (pqlib.PQserverVersion)
#define PQsetClientEncoding (pqlib.PQsetClientEncoding)
#define PQsetNoticeProcessor (pqlib.PQsetNoticeProcessor)
#define PQstatus (pqlib.PQstatus)
#define PQtransactionStatus (pqlib.PQtransactionStatus)
#endif

#endif
