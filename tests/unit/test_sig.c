/* test_sig: Game Jolt signatures. The three vectors are the ones published
 * by Game Jolt (API-GAMEJOLT.md); every other expected digest was computed
 * independently with md5sum/sha1sum over the text + key, e.g.
 *   printf '%s' 'https://api.gamejolt.com/...true''my_awesome_private_key' | md5sum */
#include "check.h"
#include "../../src/gj_sig.h"

#include <stdlib.h>
#include <string.h>

#define KEY "my_awesome_private_key"
#define GJ_HOST "api.gamejolt.com"
#define TROPHIES_GET "/api/game/v1_2/trophies/?game_id=32&username=CROS&user_token=123456&achieved=true"
#define TROPHIES_POST "/api/game/v1_2/trophies/?game_id=32&username=CROS"
#define BATCH_POST "/api/game/v1_2/batch/?game_id=32&username=CROS"
#define VEC_GET "fc3e8e0ea54544b3551058f0cf524303"
#define VEC_POST "d1eefdaaa2cb35ee3ceac5ce11079c89"
#define VEC_BATCH "d1387db85719d80afae538c5d5bca040"

static int verify(const char *uri, const char *host, const char *alias, const char *post, const char *key,
		  const char *sig)
{
	const char *aliases[1] = { alias };
	struct gj_sig_in in = {
		.uri = uri, .host = host, .aliases = alias ? aliases : NULL, .naliases = alias ? 1 : 0,
		.post = post, .key = key, .sig = sig,
	};
	return gj_sig_verify(&in);
}

static int match(const char *text, const char *sig)
{
	return gj_sig_match(text, strlen(text), KEY, sig);
}

static void test_vectors(void)
{
	check_section("Game Jolt vectors");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, VEC_GET), 1, "GET vector via gj_sig_match");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_POST "achievedtrueuser_token123456", VEC_POST), 1,
			 "POST vector via gj_sig_match");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST BATCH_POST "requestsabcrequestsdefrequestsghi", VEC_BATCH), 1,
			 "batch vector via gj_sig_match");

	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", KEY, VEC_GET), 1, "GET vector via gj_sig_verify");
	CHECK_EQ_INT_MSG(verify(TROPHIES_POST, GJ_HOST, NULL, "achievedtrueuser_token123456", KEY, VEC_POST), 1,
			 "POST vector via gj_sig_verify");
	CHECK_EQ_INT_MSG(verify(BATCH_POST, GJ_HOST, NULL, "requestsabcrequestsdefrequestsghi", KEY, VEC_BATCH), 1,
			 "batch vector via gj_sig_verify");
	/* The POST fields are part of what is signed. */
	CHECK_EQ_INT_MSG(verify(TROPHIES_POST, GJ_HOST, NULL, "", KEY, VEC_POST), 0, "POST vector without fields");
	CHECK_EQ_INT_MSG(verify(TROPHIES_POST, GJ_HOST, NULL, "user_token123456achievedtrue", KEY, VEC_POST), 0,
			 "POST fields in the wrong order");
	CHECK_EQ_INT_MSG(verify(BATCH_POST, GJ_HOST, NULL, "requestsabcrequestsdef", KEY, VEC_BATCH), 0,
			 "batch with a request missing");
}

static void test_match(void)
{
	check_section("gj_sig_match");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "FC3E8E0EA54544B3551058F0CF524303"), 1,
			 "uppercase hex accepted");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "Fc3e8E0ea54544b3551058f0cf524303"), 1,
			 "mixed-case hex accepted");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "fc3e8e0ea54544b3551058f0cf524304"), 0,
			 "last digit changed");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "fc3e8e0ea54544b3551058f0cf52430"), 0,
			 "31 digits");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "fc3e8e0ea54544b3551058f0cf5243033"), 0,
			 "33 digits");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, ""), 0, "empty signature");
	/* SHA-1 (40 hex digits). */
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "befc696fc39ca73b520e183835897a3013610c4c"), 1,
			 "SHA-1 of the GET vector");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "BEFC696FC39CA73B520E183835897A3013610C4C"), 1,
			 "SHA-1 uppercase");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "befc696fc39ca73b520e183835897a3013610c4d"), 0,
			 "SHA-1 last digit changed");
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, "befc696fc39ca73b520e183835897a3013610c4"), 0,
			 "39 digits");
	/* MD5 digest truncated or padded to the other length is not a match. */
	CHECK_EQ_INT_MSG(match("http://" GJ_HOST TROPHIES_GET, VEC_GET "00000000"), 0, "MD5 padded to 40");
	/* Batch sub-requests: relative path only. */
	CHECK_EQ_INT_MSG(match("/scores/?game_id=32&limit=10", "e049b4ae2c39e7ea135ca7a815f4a8b1"), 1,
			 "batch sub-request, MD5");
	CHECK_EQ_INT_MSG(match("/scores/?game_id=32&limit=10", "4bd9ed4d990f4deed96616f2c114848dcf8c1364"), 1,
			 "batch sub-request, SHA-1");
	/* Exactly n bytes of text are covered. */
	CHECK_EQ_INT_MSG(gj_sig_match("abcXYZ", 3, KEY, "2fe226f61c986e2471129290af3f1603"), 1, "n = 3 of abcXYZ");
	CHECK_EQ_INT_MSG(gj_sig_match("abcXYZ", 6, KEY, "2fe226f61c986e2471129290af3f1603"), 0, "n = 6 of abcXYZ");
	/* Key and text are concatenated: a key of "" leaves the text alone. */
	CHECK_EQ_INT_MSG(gj_sig_match("abc" KEY, 3 + strlen(KEY), "", "2fe226f61c986e2471129290af3f1603"), 1,
			 "text + key concatenation");
	CHECK_EQ_INT_MSG(gj_sig_match("http://" GJ_HOST TROPHIES_GET, strlen("http://" GJ_HOST TROPHIES_GET),
				      "other_key", VEC_GET), 0, "wrong key (gj_sig_match)");
}

static void test_verify(void)
{
	check_section("gj_sig_verify");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", "other_key", VEC_GET), 0, "wrong key rejected");
	/* The right signature for other_key is accepted with other_key only. */
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", "other_key", "a1b89384642d4a027bf9edfa96c8ab6c"), 1,
			 "other_key's own signature");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", KEY, "a1b89384642d4a027bf9edfa96c8ab6c"), 0,
			 "other_key's signature with the real key");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", KEY, "FC3E8E0EA54544B3551058F0CF524303"), 1,
			 "uppercase hex accepted");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", KEY, "befc696fc39ca73b520e183835897a3013610c4c"), 1,
			 "SHA-1 accepted");
	CHECK_EQ_INT_MSG(verify(TROPHIES_POST, GJ_HOST, NULL, "achievedtrueuser_token123456", KEY,
				"34b49fd201b2e53a271f6b65bbcbab67cdbc766b"), 1, "SHA-1 POST accepted");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", KEY, ""), 0, "empty signature");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", KEY, "fc3e8e0ea54544b3551058f0cf52430g"), 0,
			 "non-hex digit");
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/trophies/?game_id=32&username=CROS&user_token=123456&achieved=false",
				GJ_HOST, NULL, "", KEY, VEC_GET), 0, "query changed");

	/* Hosts: the request's own and the configured aliases. */
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, "127.0.0.1:8080", NULL, "", KEY, VEC_GET), 0,
			 "signed for api.gamejolt.com, came in on 127.0.0.1:8080, no alias");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, "127.0.0.1:8080", GJ_HOST, "", KEY, VEC_GET), 1,
			 "same, with alias api.gamejolt.com");
	CHECK_EQ_INT_MSG(verify(TROPHIES_POST, "127.0.0.1:8080", GJ_HOST, "achievedtrueuser_token123456", KEY, VEC_POST),
			 1, "POST vector through the alias");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, "127.0.0.1:8080", "example.com", "", KEY,
				"a423111bfb97f4c3df820d85ac74dbe2"), 0, "signed for a host that is neither");
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/time/?game_id=1", "127.0.0.1:8080", GJ_HOST, "", KEY,
				"ba1f841a824d0f5040077469f95e9a1a"), 1, "signed for the request host with its port");
	{
		const char *aliases[] = { "a.example", "b.example", GJ_HOST };
		struct gj_sig_in in = { .uri = TROPHIES_GET, .host = "127.0.0.1:8080", .aliases = aliases,
					.naliases = 3, .post = "", .key = KEY, .sig = VEC_GET };
		CHECK_EQ_INT_MSG(gj_sig_verify(&in), 1, "third of three aliases");
		in.naliases = 2;
		CHECK_EQ_INT_MSG(gj_sig_verify(&in), 0, "naliases bounds the list");
	}

	/* Scheme: http or https. */
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, GJ_HOST, NULL, "", KEY, "de147f1e91352798c6cdf06d1c15199f"), 1,
			 "signed with https://");
	CHECK_EQ_INT_MSG(verify(TROPHIES_POST, GJ_HOST, NULL, "achievedtrueuser_token123456", KEY,
				"f446768f8aed2e33b7360301a2573c0e"), 1, "POST signed with https://");
	CHECK_EQ_INT_MSG(verify(TROPHIES_GET, "127.0.0.1:8080", GJ_HOST, "", KEY, "de147f1e91352798c6cdf06d1c15199f"),
			 1, "https through the alias");

	/* Encoded on the wire, signed decoded. */
	static const char enc[] = "/api/game/v1_2/scores/add/?game_id=32&score=10%20points&sort=10&extra_data=a%2Fb";
	CHECK_EQ_INT_MSG(verify(enc, GJ_HOST, NULL, "", KEY, "c1983feadaa9313c0ab68ec32271ba77"), 1,
			 "signed exactly as sent (encoded)");
	CHECK_EQ_INT_MSG(verify(enc, GJ_HOST, NULL, "", KEY, "cd090359c65e313e3ea1b736c2f10e3a"), 1,
			 "signed decoded, sent encoded");
	static const char plus[] = "/api/game/v1_2/scores/add/?game_id=32&score=10+points&sort=10&extra_data=a%2Fb";
	CHECK_EQ_INT_MSG(verify(plus, GJ_HOST, NULL, "", KEY, "cd090359c65e313e3ea1b736c2f10e3a"), 1,
			 "signed with a space, sent with '+'");
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/scores/add/?game_id=32&score=10+points&sort=10", GJ_HOST, NULL, "",
				KEY, "1216886fb649ee76ffd1073da9d79b54"), 1, "signed and sent with '+'");
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/scores/add/?game_id=32&score=1%2B1&sort=2", GJ_HOST, NULL, "", KEY,
				"908b058c0558e0803cd96bcf0327ebd5"), 1, "signed '1+1', sent 1%2B1");
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/scores/add/?game_id=32&score=1%2B1&sort=2", GJ_HOST, NULL, "", KEY,
				"e19cdfc445b395a2aee12548c2edd032"), 0, "%2B never becomes a space");
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/scores/add/?game_id=32&guest=Zo%C3%AB&score=1&sort=1", "127.0.0.1:8080",
				NULL, "", KEY, "b8390ee120adce379e27818d2d38904a"), 1,
			 "UTF-8 signed decoded, sent encoded");
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/scores/&limit=10&game_id=1", GJ_HOST, NULL, "", KEY,
				"28e843ba275aac4386aa19e367bdff6e"), 1, "query without '?'");
	/* A malformed escape rules out the decoded forms, not the raw one. */
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/scores/&limit=10&game_id=1%zz", GJ_HOST, NULL, "", KEY,
				"68bec06beab9dd9d32503a96de05c72d"), 1, "bad escape, signed raw");
	CHECK_EQ_INT_MSG(verify("/api/game/v1_2/scores/&limit=10&game_id=1%zz", GJ_HOST, NULL, "", KEY,
				"28e843ba275aac4386aa19e367bdff6e"), 0, "bad escape, other digest");
}

static void strip(const char *uri, const char *want_uri, const char *want_sig, const char *desc)
{
	char *u = NULL, *s = (char *)1, d[160];

	gj_sig_strip(uri, &u, &s);
	snprintf(d, sizeof(d), "%s: uri", desc);
	CHECK_EQ_STR_MSG(u, want_uri, d);
	snprintf(d, sizeof(d), "%s: signature", desc);
	CHECK_EQ_STR_MSG(s, want_sig, d);
	free(u);
	free(s);
}

static void test_strip(void)
{
	check_section("gj_sig_strip");
	strip("/api/game/v1_2/scores/?game_id=1&limit=5&signature=abc", "/api/game/v1_2/scores/?game_id=1&limit=5",
	      "abc", "signature last");
	strip("/api/game/v1_2/scores/?signature=x&a=1", "/api/game/v1_2/scores/?a=1", "x", "signature first");
	strip("/api/game/v1_2/scores/?a=1&signature=x&b=2", "/api/game/v1_2/scores/?a=1&b=2", "x",
	      "signature in the middle");
	strip("/api/game/v1_2/scores/?game_id=1&limit=5", "/api/game/v1_2/scores/?game_id=1&limit=5", NULL,
	      "no signature");
	strip("/api/game/v1_2/time/", "/api/game/v1_2/time/", NULL, "no query");
	strip("/api/game/v1_2/time/?signature=x", "/api/game/v1_2/time/", "x", "signature only");
	strip("/api/game/v1_2/scores/&limit=10&game_id=1&signature=abc", "/api/game/v1_2/scores/&limit=10&game_id=1",
	      "abc", "no '?', signature last");
	strip("/api/game/v1_2/scores/&signature=abc&limit=10", "/api/game/v1_2/scores/&limit=10", "abc",
	      "no '?', signature first");
	strip("/api/game/v1_2/scores/&limit=10&game_id=1", "/api/game/v1_2/scores/&limit=10&game_id=1", NULL,
	      "no '?', no signature");
	strip("/p/?signatures=1&xsignature=2&a=3", "/p/?signatures=1&xsignature=2&a=3", NULL,
	      "names that only contain 'signature'");
	strip("/p/?a=1&signature=", "/p/?a=1", "", "empty signature value");
	strip("/p/?a=1&signature=FC3E%20", "/p/?a=1", "FC3E%20", "signature kept raw");
	{
		char *u = NULL, *s = NULL;
		gj_sig_strip("/p/?signature=a&x=1&signature=b", &u, &s);
		CHECK_EQ_STR_MSG(s, "b", "repeated signature: the last one");
		free(u);
		free(s);
	}
}

int main(void)
{
	test_vectors();
	test_match();
	test_verify();
	test_strip();
	return check_done();
}
