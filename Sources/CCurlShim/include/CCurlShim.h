// Typed wrappers for libcurl's variadic calls (Swift cannot call C variadics).
#ifndef PREFORKD_CCURLSHIM_H
#define PREFORKD_CCURLSHIM_H
#include <curl/curl.h>
#endif
