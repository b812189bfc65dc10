/*-------------------------------------------------------------------------
 *
 * crypto.h
 *	  Master keys and encryption of identifier and secret properties.
 *
 * IDENTIFICATION
 *	  src/crypto.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_CRYPTO_H
#define CONNECTION_CRYPTO_H

#include "registry.h"

/* Length of a key fingerprint in hex digits. */
#define CONN_FINGERPRINT_LEN 16

/* GUCs connection.key_file and connection.key_command */
extern char *conn_key_file;
extern char *conn_key_command;

extern void ConnKeysInvalidate(void);
extern bytea *ConnEncryptProps(int64 id, const ConnProps *props, char **fingerprint);
extern void ConnDecryptProps(int64 id, const char *connname, bytea *ciphertext,
							 const char *fingerprint, ConnProps *props);
extern const char *ConnCurrentFingerprint(void);
extern bool ConnCiphertextIsCurrent(const bytea *ciphertext);
extern void ConnRandomBytes(void *buf, Size len);
extern void ConnWipeProps(ConnProps *props);

#endif							/* CONNECTION_CRYPTO_H */
