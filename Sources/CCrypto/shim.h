// SHA-256, MD5 and HMAC-SHA256 come from libcrypto's EVP interface.
#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#endif
