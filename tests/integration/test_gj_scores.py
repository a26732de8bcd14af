"""Game Jolt scores/add and scores/ (fetch): rules, check order, ordering,
limits, windows, owners, guests, unique tables (spec/000, API-GAMEJOLT.md,
contract notes)."""

import pytest

from gjtest import (E_BW_NUM, E_EXCL_BW, E_EXCL_GUEST, E_GUESTS, E_OWNER, E_SCORE,
                    E_SORT, E_TABLE, E_USER, INT64_MAX, INT64_MIN, assert_error,
                    assert_ok, assert_scores, new_gj, score_item, sorts_of)


def uitem(player, sort, **kw):
    return score_item(sort, user=player["username"], user_id=player["id"], **kw)


# =========================================================== scores/add
def test_add_guest_score_stored_with_all_fields(gj):
    assert_ok(gj.add(234, score="234 Jumps", guest="newguestaccount", extra_data="900"))
    assert_scores(gj.fetch(), [score_item(234, score="234 Jumps", guest="newguestaccount",
                                          extra_data="900")])


def test_add_user_score_stored_with_user_and_id(gj):
    p = gj.player("myusername")
    assert_ok(gj.add(234, score="234 Jumps", username=p["username"], user_token=p["token"]))
    assert_scores(gj.fetch(), [uitem(p, 234, score="234 Jumps")])


def test_add_explicit_table(gj):
    t2 = gj.new_table("Second")
    p = gj.player("u1")
    assert_ok(gj.add(234, score="234 Jumps", username=p["username"], user_token=p["token"],
                     extra_data="900", table=t2))
    assert_scores(gj.fetch(table=t2), [uitem(p, 234, score="234 Jumps", extra_data="900")])
    assert_scores(gj.fetch(), [])          # the primary table is untouched


def test_add_without_table_goes_to_primary_even_after_primary_moves(gj):
    gj.add_guest("g", 1)
    t2 = gj.new_table("New primary", "--primary")
    gj.add_guest("g", 2)
    assert_scores(gj.fetch(table=gj.table), [score_item(1, guest="g")])
    assert_scores(gj.fetch(table=t2), [score_item(2, guest="g")])
    assert_scores(gj.fetch(), [score_item(2, guest="g")])


def test_add_empty_table_id_means_primary(gj):
    assert_ok(gj.add(5, guest="g", table_id=""))
    assert_scores(gj.fetch(), [score_item(5, guest="g")])


@pytest.mark.parametrize("table_id", ["999999999", "abc", "-1", "0", "1.5"])
def test_add_unknown_table(gj, table_id):
    assert_error(gj.add(5, guest="g", table_id=table_id), E_TABLE)
    assert_scores(gj.fetch(), [])


def test_add_other_games_table(stack, gj):
    other = new_gj(stack, "other")
    assert_error(gj.add(5, guest="g", table=other.table), E_TABLE)
    assert_scores(other.fetch(), [])
    assert_scores(gj.fetch(), [])


# ----------------------------------------------------------- owner rules
def test_add_no_owner(gj):
    assert_error(gj.add(5), E_OWNER)


def test_add_username_only_is_not_an_owner(gj):
    p = gj.player("solo")
    assert_error(gj.add(5, username=p["username"]), E_OWNER)


def test_add_token_only_is_not_an_owner(gj):
    p = gj.player("solo")
    assert_error(gj.add(5, user_token=p["token"]), E_OWNER)


def test_add_empty_guest_is_not_an_owner(gj):
    assert_error(gj.add(5, guest=""), E_OWNER)


def test_add_empty_user_and_token_is_not_an_owner(gj):
    assert_error(gj.add(5, username="", user_token=""), E_OWNER)


def test_add_username_without_token_plus_guest_is_a_guest_score(gj):
    p = gj.player("half")
    assert_ok(gj.add(5, username=p["username"], guest="visitor"))
    assert_scores(gj.fetch(), [score_item(5, guest="visitor")])


def test_add_username_empty_token_plus_guest_is_a_guest_score(gj):
    p = gj.player("half")
    assert_ok(gj.add(5, username=p["username"], user_token="", guest="visitor"))
    assert_scores(gj.fetch(), [score_item(5, guest="visitor")])


def test_add_full_user_and_guest_mutually_exclusive(gj):
    p = gj.player("both")
    assert_error(gj.add(5, username=p["username"], user_token=p["token"], guest="g"),
                 E_EXCL_GUEST)
    assert_scores(gj.fetch(), [])


def test_add_wrong_token(gj):
    p = gj.player("u")
    assert_error(gj.add(5, username=p["username"], user_token="0" * 32), E_USER)
    assert_scores(gj.fetch(), [])


def test_add_unknown_user(gj):
    assert_error(gj.add(5, username="nobody-here", user_token="0" * 32), E_USER)


def test_add_user_of_other_game(stack, gj):
    other = new_gj(stack, "other")
    p = other.player("stranger")
    assert_error(gj.add(5, username=p["username"], user_token=p["token"]), E_USER)


def test_add_token_of_other_player(gj):
    a = gj.player("alice")
    b = gj.player("bob")
    assert_error(gj.add(5, username=a["username"], user_token=b["token"]), E_USER)


def test_add_uppercase_token_and_username(gj):
    p = gj.player("MixedCase")
    assert_ok(gj.add(5, username="MIXEDCASE", user_token=p["token"].upper()))
    assert_ok(gj.add(6, username="mixedcase", user_token=p["token"]))
    # stored under the player's own name
    assert_scores(gj.fetch(), [uitem(p, 6), uitem(p, 5)])


# ------------------------------------------------------------ score / sort
def test_add_missing_score(gj):
    assert_error(gj.get("scores/add", [("guest", "g"), ("sort", "5")]), E_SCORE)


def test_add_empty_score(gj):
    assert_error(gj.add(5, score="", guest="g"), E_SCORE)


def test_add_missing_sort(gj):
    assert_error(gj.get("scores/add", [("guest", "g"), ("score", "5")]), E_SORT)


@pytest.mark.parametrize("sort", ["", "abc", "1.5", "1e3", " 5", "5 ", "0x1f", "+", "-",
                                  "--5", "+-5", "5-", "١٢", "9223372036854775808",
                                  "-9223372036854775809", "99999999999999999999"])
def test_add_non_numeric_sort(gj, sort):
    assert_error(gj.get("scores/add", [("guest", "g"), ("score", "x"), ("sort", sort)]), E_SORT)
    assert_scores(gj.fetch(), [])


@pytest.mark.parametrize("sort,stored", [("+5", "5"), ("007", "7"), ("-0", "0"),
                                         ("-12", "-12"), ("0", "0"),
                                         (str(INT64_MAX), str(INT64_MAX)),
                                         (str(INT64_MIN), str(INT64_MIN))])
def test_add_numeric_sort_forms(gj, sort, stored):
    assert_ok(gj.get("scores/add", [("guest", "g"), ("score", "s"), ("sort", sort)]))
    assert_scores(gj.fetch(), [score_item(stored, score="s", guest="g")])


# ------------------------------------------------------------ check order
def test_order_owner_before_score_and_sort(gj):
    assert_error(gj.get("scores/add", []), E_OWNER)
    assert_error(gj.get("scores/add", [("sort", "x")]), E_OWNER)


def test_order_exclusive_before_score(gj):
    p = gj.player("x")
    assert_error(gj.get("scores/add", [("username", p["username"]),
                                       ("user_token", p["token"]), ("guest", "g")]),
                 E_EXCL_GUEST)


def test_order_score_before_sort(gj):
    assert_error(gj.get("scores/add", [("guest", "g"), ("sort", "x")]), E_SCORE)


def test_order_sort_before_table(gj):
    assert_error(gj.get("scores/add", [("guest", "g"), ("score", "1"), ("sort", "x"),
                                       ("table_id", "999999999")]), E_SORT)


def test_order_table_before_credentials(gj):
    assert_error(gj.add(5, username="nobody", user_token="0" * 32, table_id="999999999"),
                 E_TABLE)


def test_order_table_before_guests_denied(make_gj):
    g = make_gj("--guests", "deny")
    assert_error(g.add(5, guest="g", table_id="999999999"), E_TABLE)


def test_order_sort_before_guests_denied(make_gj):
    g = make_gj("--guests", "deny")
    assert_error(g.add("x", score="1", guest="g"), E_SORT)


# ------------------------------------------------------------ guests denied
def test_guests_denied_table(make_gj):
    g = make_gj("--guests", "deny")
    assert_error(g.add(5, guest="g"), E_GUESTS)
    p = g.player("member")
    assert_ok(g.add(6, username=p["username"], user_token=p["token"]))
    assert_scores(g.fetch(), [uitem(p, 6)])


def test_guests_denied_only_on_that_table(gj):
    deny = gj.new_table("NoGuests", "--guests", "deny")
    assert_error(gj.add(5, guest="g", table=deny), E_GUESTS)
    assert_ok(gj.add(5, guest="g"))
    assert_scores(gj.fetch(table=deny), [])
    assert_scores(gj.fetch(), [score_item(5, guest="g")])


def test_guests_denied_user_with_bad_token_gets_user_error(make_gj):
    g = make_gj("--guests", "deny")
    p = g.player("member")
    assert_error(g.add(5, username=p["username"], user_token="1" * 32), E_USER)


# ================================================================ fetch
def test_fetch_empty_table(gj):
    r = gj.fetch()
    assert_scores(r, [])
    assert r.text == '{"response":{"success":"true","scores":[]}}'


def test_fetch_desc_order(gj):
    for i, s in enumerate([30, 10, 50, 20, 40]):
        gj.add_guest(f"g{i}", s)
    assert sorts_of(gj.fetch()) == [50, 40, 30, 20, 10]


def test_fetch_asc_order(make_gj):
    g = make_gj("--order", "asc")
    for i, s in enumerate([30, 10, 50, 20, 40]):
        g.add_guest(f"g{i}", s)
    assert sorts_of(g.fetch()) == [10, 20, 30, 40, 50]


def test_fetch_negative_and_extreme_sorts(gj):
    for s in [0, INT64_MIN, -1, INT64_MAX, 1, -INT64_MAX]:
        gj.add_guest("g", s)
    assert sorts_of(gj.fetch()) == [INT64_MAX, 1, 0, -1, -INT64_MAX, INT64_MIN]


def test_fetch_extreme_sorts_asc(make_gj):
    g = make_gj("--order", "asc")
    for s in [0, INT64_MIN, -1, INT64_MAX, 1]:
        g.add_guest("g", s)
    assert sorts_of(g.fetch()) == [INT64_MIN, -1, 0, 1, INT64_MAX]


def test_fetch_ties_keep_submission_order_desc(gj):
    for name, s in [("g1", 5), ("g2", 7), ("g3", 5), ("g4", 7), ("g5", 5)]:
        gj.add_guest(name, s)
    assert_scores(gj.fetch(), [score_item(7, guest="g2"), score_item(7, guest="g4"),
                               score_item(5, guest="g1"), score_item(5, guest="g3"),
                               score_item(5, guest="g5")])


def test_fetch_ties_keep_submission_order_asc(make_gj):
    g = make_gj("--order", "asc")
    for name, s in [("g1", 5), ("g2", 7), ("g3", 5), ("g4", 7), ("g5", 5)]:
        g.add_guest(name, s)
    assert_scores(g.fetch(), [score_item(5, guest="g1"), score_item(5, guest="g3"),
                              score_item(5, guest="g5"), score_item(7, guest="g2"),
                              score_item(7, guest="g4")])


def test_fetch_mixed_users_and_guests(gj):
    a = gj.player("alice")
    gj.add_user(a, 10, score="ten", extra_data="e1")
    gj.add_guest("gus", 20, score="twenty")
    assert_scores(gj.fetch(), [score_item(20, score="twenty", guest="gus"),
                               uitem(a, 10, score="ten", extra_data="e1")])


def test_fetch_escapes_text_like_php(gj):
    text = 'say "hi" / back\\slash é ☃ 😀 <x> ]]> \t'
    gj.add_guest("g/é", 1, score=text, extra_data=text)
    r = gj.fetch()
    assert_scores(r, [score_item(1, score=text, guest="g/é", extra_data=text)])
    assert '"guest":"g\\/\\u00e9"' in r.text
    assert "\\ud83d\\ude00" in r.text


def test_fetch_other_games_table(stack, gj):
    other = new_gj(stack, "other")
    other.add_guest("secret", 99)
    assert_error(gj.fetch(table=other.table), E_TABLE)


@pytest.mark.parametrize("table_id", ["999999999", "abc"])
def test_fetch_unknown_table(gj, table_id):
    assert_error(gj.fetch(table_id=table_id), E_TABLE)


def test_fetch_games_are_isolated(stack, gj):
    other = new_gj(stack, "other")
    other.add_guest("theirs", 99)
    gj.add_guest("ours", 1)
    assert_scores(gj.fetch(), [score_item(1, guest="ours")])
    assert_scores(other.fetch(), [score_item(99, guest="theirs")])


# ---------------------------------------------------------------- limit
@pytest.fixture(scope="module")
def big(stack):
    """A game whose primary table holds sorts 1..105, added in a shuffled order."""
    g = new_gj(stack, "big")
    order = [(i * 37) % 105 + 1 for i in range(105)]
    assert sorted(order) == list(range(1, 106))
    for s in order:
        g.add_guest(f"g{s}", s)
    return g


@pytest.mark.parametrize("limit,count", [
    (None, 10), ("10", 10), ("3", 3), ("1", 1), ("100", 100), ("101", 100), ("1000", 100),
    ("0", 1), ("-5", 10), ("abc", 10), ("", 10), ("2.5", 10), ("99999999999999999999", 100)])
def test_fetch_limit(big, limit, count):
    # "whole number" read as a non-negative integer: 0 clamps to 1, "-5" is not one (10).
    r = big.fetch(limit=limit) if limit is not None else big.fetch()
    assert sorts_of(r) == list(range(105, 105 - count, -1))


def test_fetch_limit_exact_bytes(big):
    assert_scores(big.fetch(limit="2"), [score_item(105, guest="g105"),
                                         score_item(104, guest="g104")])


# --------------------------------------------------- better_than / worse_than
@pytest.fixture(scope="module")
def window(stack):
    """Desc and asc tables, each with sorts 10, 20, 30, 40, 50."""
    d = new_gj(stack, "window-desc")
    a = new_gj(stack, "window-asc", ("--order", "asc"))
    for s in [30, 10, 50, 20, 40]:
        d.add_guest(f"g{s}", s)
        a.add_guest(f"g{s}", s)
    return d, a


@pytest.mark.parametrize("params,expected", [
    ({"better_than": "25"}, [50, 40, 30]),
    ({"better_than": "25", "limit": "2"}, [40, 30]),       # the 2 nearest, best first
    ({"better_than": "25", "limit": "1"}, [30]),
    ({"better_than": "30"}, [50, 40]),                     # equal: strictly better only
    ({"better_than": "50"}, []),
    ({"better_than": "1000"}, []),                         # beyond the best
    ({"better_than": "-1000"}, [50, 40, 30, 20, 10]),      # beyond the worst
    ({"better_than": str(INT64_MIN)}, [50, 40, 30, 20, 10]),
    ({"worse_than": "25"}, [20, 10]),
    ({"worse_than": "35", "limit": "1"}, [30]),            # the best among the worse
    ({"worse_than": "30"}, [20, 10]),
    ({"worse_than": "10"}, []),
    ({"worse_than": "-1000"}, []),                         # beyond the worst
    ({"worse_than": "1000"}, [50, 40, 30, 20, 10]),        # beyond the best
    ({"worse_than": "1000", "limit": "2"}, [50, 40]),
    ({"worse_than": str(INT64_MAX)}, [50, 40, 30, 20, 10]),
    ({"better_than": ""}, [50, 40, 30, 20, 10]),           # empty: ignored
    ({"worse_than": ""}, [50, 40, 30, 20, 10]),
])
def test_window_desc(window, params, expected):
    assert sorts_of(window[0].fetch(**params)) == expected


@pytest.mark.parametrize("params,expected", [
    ({"better_than": "25"}, [10, 20]),
    ({"better_than": "35", "limit": "1"}, [30]),           # nearest
    ({"better_than": "30"}, [10, 20]),
    ({"better_than": "10"}, []),
    ({"better_than": "-1000"}, []),                        # beyond the best
    ({"better_than": "1000"}, [10, 20, 30, 40, 50]),       # beyond the worst
    ({"worse_than": "25"}, [30, 40, 50]),
    ({"worse_than": "25", "limit": "2"}, [30, 40]),        # the best among the worse
    ({"worse_than": "30"}, [40, 50]),
    ({"worse_than": "50"}, []),
    ({"worse_than": "1000"}, []),                          # beyond the worst
    ({"worse_than": "-1000"}, [10, 20, 30, 40, 50]),
])
def test_window_asc(window, params, expected):
    assert sorts_of(window[1].fetch(**params)) == expected


def test_window_exact_bytes(window):
    assert_scores(window[0].fetch(better_than="25", limit="2"),
                  [score_item(40, guest="g40"), score_item(30, guest="g30")])


def test_window_both_mutually_exclusive(window):
    assert_error(window[0].fetch(better_than="10", worse_than="40"), E_EXCL_BW)


@pytest.mark.parametrize("params", [{"better_than": "abc"}, {"worse_than": "1.5"},
                                    {"better_than": "9223372036854775808"},
                                    {"worse_than": " 5"}])
def test_window_non_numeric(window, params):
    assert_error(window[0].fetch(**params), E_BW_NUM)


def test_window_ties(gj):
    for name, s in [("a", 5), ("b", 7), ("c", 5), ("d", 3), ("e", 7)]:
        gj.add_guest(name, s)
    assert_scores(gj.fetch(better_than="5"), [score_item(7, guest="b"),
                                              score_item(7, guest="e")])
    assert_scores(gj.fetch(worse_than="7"), [score_item(5, guest="a"),
                                             score_item(5, guest="c"),
                                             score_item(3, guest="d")])
    assert_scores(gj.fetch(worse_than="7", limit="1"), [score_item(5, guest="a")])


# ------------------------------------------------------------ own scores
@pytest.fixture
def owners(gj):
    u1 = gj.player("UserOne")
    u2 = gj.player("usertwo")
    gj.add_user(u1, 10)
    gj.add_guest("G", 25)
    gj.add_user(u2, 20)
    gj.add_user(u1, 30)
    gj.add_guest("H", 5)
    gj.add_guest("G", 1)
    return gj, u1, u2


def test_fetch_user_own_scores(owners):
    g, u1, u2 = owners
    assert_scores(g.fetch(username=u1["username"], user_token=u1["token"]),
                  [uitem(u1, 30), uitem(u1, 10)])
    assert_scores(g.fetch(username=u2["username"], user_token=u2["token"]), [uitem(u2, 20)])


def test_fetch_user_own_scores_case_insensitive(owners):
    g, u1, _ = owners
    assert_scores(g.fetch(username="userone", user_token=u1["token"].upper()),
                  [uitem(u1, 30), uitem(u1, 10)])


def test_fetch_user_own_scores_with_limit_and_window(owners):
    g, u1, _ = owners
    assert_scores(g.fetch(username=u1["username"], user_token=u1["token"], limit="1"),
                  [uitem(u1, 30)])
    assert_scores(g.fetch(username=u1["username"], user_token=u1["token"], worse_than="30"),
                  [uitem(u1, 10)])


def test_fetch_guest_own_scores(owners):
    g, _, _ = owners
    assert_scores(g.fetch(guest="G"), [score_item(25, guest="G"), score_item(1, guest="G")])
    assert_scores(g.fetch(guest="H"), [score_item(5, guest="H")])
    assert_scores(g.fetch(guest="nobody"), [])


def test_fetch_all_scores(owners):
    g, u1, u2 = owners
    assert_scores(g.fetch(), [uitem(u1, 30), score_item(25, guest="G"), uitem(u2, 20),
                              uitem(u1, 10), score_item(5, guest="H"),
                              score_item(1, guest="G")])


def test_fetch_user_wrong_token(owners):
    g, u1, _ = owners
    assert_error(g.fetch(username=u1["username"], user_token="0" * 32), E_USER)


def test_fetch_user_without_token(owners):
    g, u1, _ = owners
    assert_error(g.fetch(username=u1["username"]), E_USER)


def test_fetch_unknown_user(owners):
    g, _, _ = owners
    assert_error(g.fetch(username="ghost", user_token="0" * 32), E_USER)


def test_fetch_user_and_guest_mutually_exclusive(owners):
    g, u1, _ = owners
    assert_error(g.fetch(username=u1["username"], user_token=u1["token"], guest="G"),
                 E_EXCL_GUEST)


# ---------------------------------------------------------- unique tables
def test_unique_desc_user(make_gj):
    g = make_gj("--unique")
    p = g.player("uniq")
    g.add_user(p, 100, score="first", extra_data="a")
    assert_scores(g.fetch(), [uitem(p, 100, score="first", extra_data="a")])
    g.add_user(p, 50, score="worse")                       # success, not stored
    assert_scores(g.fetch(), [uitem(p, 100, score="first", extra_data="a")])
    g.add_user(p, 100, score="equal")                      # not strictly better
    assert_scores(g.fetch(), [uitem(p, 100, score="first", extra_data="a")])
    g.add_user(p, 150, score="better")                     # replaces
    assert_scores(g.fetch(), [uitem(p, 150, score="better")])


def test_unique_asc_user(make_gj):
    g = make_gj("--unique", "--order", "asc")
    p = g.player("uniq")
    g.add_user(p, 100, score="first")
    g.add_user(p, 150, score="worse")
    assert_scores(g.fetch(), [uitem(p, 100, score="first")])
    g.add_user(p, 40, score="better")
    assert_scores(g.fetch(), [uitem(p, 40, score="better")])


def test_unique_desc_guest(make_gj):
    g = make_gj("--unique")
    g.add_guest("gg", 10, score="first")
    g.add_guest("gg", 9, score="worse")
    assert_scores(g.fetch(), [score_item(10, score="first", guest="gg")])
    g.add_guest("gg", 11, score="better")
    assert_scores(g.fetch(), [score_item(11, score="better", guest="gg")])


def test_unique_asc_guest(make_gj):
    g = make_gj("--unique", "--order", "asc")
    g.add_guest("gg", 10, score="first")
    g.add_guest("gg", 11, score="worse")
    g.add_guest("gg", 10, score="equal")
    assert_scores(g.fetch(), [score_item(10, score="first", guest="gg")])
    g.add_guest("gg", -3, score="better")
    assert_scores(g.fetch(), [score_item(-3, score="better", guest="gg")])


def test_unique_keeps_one_per_owner(make_gj):
    g = make_gj("--unique")
    a = g.player("a")
    b = g.player("b")
    g.add_user(a, 5)
    g.add_user(b, 7)
    g.add_guest("a", 6)            # a guest named like a user is another owner
    g.add_user(a, 8)
    g.add_guest("a", 1)
    g.add_user(b, 2)
    assert_scores(g.fetch(), [uitem(a, 8), uitem(b, 7), score_item(6, guest="a")])


def test_unique_replacement_updates_rank(make_gj):
    g = make_gj("--unique")
    a = g.player("a")
    g.add_guest("x", 50)
    g.add_user(a, 10)
    g.assert_rank(30, 2)           # better than a's 10, worse than 50
    g.add_user(a, 60)              # replaces 10
    g.assert_rank(30, 3)
    g.assert_rank(5, 3)            # the old 10 is gone


def test_non_unique_keeps_every_score(gj):
    p = gj.player("many")
    gj.add_user(p, 1)
    gj.add_user(p, 1)
    gj.add_user(p, 3)
    assert sorts_of(gj.fetch()) == [3, 1, 1]


def test_fetch_empty_table_id_means_primary(gj):
    t2 = gj.new_table("Other")
    gj.add_guest("a", 10, table=t2)
    gj.add_guest("b", 1)
    assert_scores(gj.fetch(table_id=""), [score_item(1, guest="b")])


def test_concurrent_adds_are_all_stored(gj):
    """4 clients × 25 adds through the pool: every acknowledged write is there."""
    from concurrent.futures import ThreadPoolExecutor

    def client(c):
        for i in range(25):
            r = gj.add(c * 100 + i, guest=f"c{c}")
            assert_ok(r)

    with ThreadPoolExecutor(4) as ex:
        list(ex.map(client, range(4)))
    expected = sorted((c * 100 + i for c in range(4) for i in range(25)), reverse=True)
    assert sorts_of(gj.fetch(limit="100")) == expected
    gj.assert_rank(250, 1 + sum(1 for s in expected if s > 250))


def test_stored_relative_text_after_a_second(gj):
    import time
    gj.add_guest("g", 1)
    time.sleep(1.6)
    got = assert_scores(gj.fetch(), [score_item(1, guest="g")])
    assert got[0]["stored"] in ("1 second ago", "2 seconds ago", "3 seconds ago"), got[0]
