#!/bin/sh
# Quickstart: installs what is missing, builds arcade, creates a demo game
# (a score table and a player) and serves the API through nginx on
# http://127.0.0.1:8080, then prints the demo credentials and signed curl
# lines. Run as root from the source tree. Running it again restarts
# arcaded and keeps the data.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=/var/lib/arcade
LIMITS=/run/arcade
SOCK=$LIMITS/arcaded.sock
LOGDIR=/var/log/arcade
DEMO=$DATA/demo-credentials.json
BASE=http://127.0.0.1:8080

sh tests/install-deps.sh
sh tests/build.sh
CTL="$ROOT/src/arcadectl --data $DATA"

mkdir -p "$DATA" "$LIMITS" "$LOGDIR"
$CTL --json init >/dev/null

# The demo's secrets are shown once at creation; keep them for reprinting.
if [ ! -s "$DEMO" ]; then
	game=$($CTL --json game create --name "Demo Game")
	gid=$(echo "$game" | sed 's/.*"id":\([0-9]*\).*/\1/')
	table=$($CTL --json table create --game "$gid" --name "High Scores" --description "Highest first")
	player=$($CTL --json player create --game "$gid" --username demo)
	umask 077
	printf '{"game":%s,"table":%s,"player":%s}\n' "$game" "$table" "$player" >"$DEMO"
fi
field() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$DEMO')); print(d$1)"; }
GID=$(field "['game']['id']")
KEY=$(field "['game']['private_key']")
TID=$(field "['table']['id']")
USER=$(field "['player']['username']")
TOKEN=$(field "['player']['token']")

# (Re)start arcaded, found by the pid this script recorded.
if [ -s "$LIMITS/arcaded.pid" ] && kill -0 "$(cat "$LIMITS/arcaded.pid")" 2>/dev/null; then
	kill "$(cat "$LIMITS/arcaded.pid")"
	while kill -0 "$(cat "$LIMITS/arcaded.pid")" 2>/dev/null; do sleep 0.2; done
fi
getent group www-data >/dev/null || groupadd --system www-data
nohup "$ROOT/src/arcaded" --data "$DATA" --limits "$LIMITS" --listen "unix:$SOCK" \
	--socket-group www-data --socket-mode 0660 --workers 2 --foreground \
	--log-file "$LOGDIR/arcaded.log" </dev/null >/dev/null 2>&1 &
echo $! >"$LIMITS/arcaded.pid"
n=0
until [ -S "$SOCK" ]; do
	n=$((n + 1))
	[ $n -gt 50 ] && { echo "quickstart: arcaded did not start; see $LOGDIR/arcaded.log" >&2; exit 1; }
	sleep 0.2
done

# nginx: the shipped site and snippet, installed where nginx looks.
cp nginx/snippets/arcade.conf /etc/nginx/snippets/arcade.conf
cp nginx/arcade.conf /etc/nginx/sites-enabled/arcade.conf
nginx -t -q
if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
	nginx -s reload
else
	nginx
fi
n=0
until curl -s -o /dev/null "$BASE/"; do
	n=$((n + 1))
	[ $n -gt 50 ] && { echo "quickstart: nginx is not answering on $BASE" >&2; exit 1; }
	sleep 0.2
done

sign() { $CTL sign "$1" --game "$GID"; }
cat <<INFO

arcade is serving on $BASE (nginx -> $SOCK -> arcaded, data in $DATA)

Demo game:   game_id=$GID  private_key=$KEY
Score table: table_id=$TID (primary)
Player:      username=$USER  user_token=$TOKEN
(also saved in $DEMO)

Add a guest score, add a score for the demo player, list the table, ask a rank:

  curl '$(sign "$BASE/api/game/v1_2/scores/add/?game_id=$GID&guest=newguest&score=234%20Jumps&sort=234")'
  curl '$(sign "$BASE/api/game/v1_2/scores/add/?game_id=$GID&username=$USER&user_token=$TOKEN&score=500%20Jumps&sort=500&table_id=$TID")'
  curl '$(sign "$BASE/api/game/v1_2/scores/?game_id=$GID&limit=10")'
  curl '$(sign "$BASE/api/game/v1_2/scores/get-rank/?game_id=$GID&sort=300")'

Sign any other URL with: src/arcadectl --data $DATA sign 'URL' --game $GID
Logs: $LOGDIR/arcaded.log   Stop: kill \$(cat $LIMITS/arcaded.pid)
INFO
