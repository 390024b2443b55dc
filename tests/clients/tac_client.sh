#!/bin/sh
# A TAC client in POSIX shell: curl, base64 and awk only.
# Usage: tac_client.sh URL TASK_ID USER PASSWORD [POLL_SECONDS]
# Runs the task asynchronously, polls until jobExitCode appears, and exits 0
# only when the execution ended OK with jobExitCode 0 (1: job failed,
# 2: the API refused a request).
set -u
url=$1 task_id=$2 user=$3 password=$4 pause=${5:-0.05}

json_string() {  # a JSON string literal: quotes, backslashes and controls escaped
    # Read from the environment: awk -v would expand escapes, $(...) would
    # drop trailing newlines.
    JSON_TEXT=$1 awk 'BEGIN {
        for (i = 1; i < 32; i++) escape[sprintf("%c", i)] = sprintf("\\u%04x", i)
        escape["\""] = "\\\""
        escape["\\"] = "\\\\"
        text = ENVIRON["JSON_TEXT"]
        out = ""
        for (i = 1; i <= length(text); i++) {
            c = substr(text, i, 1)
            out = out ((c in escape) ? escape[c] : c)
        }
        printf "\"%s\"", out
    }'
}

field() {  # the raw value of a top-level field of a compact or spaced reply
    printf '%s' "$2" | grep -o "\"$1\"[[:space:]]*:[[:space:]]*\(\"[^\"]*\"\|-\?[0-9]*\)" |
        head -n 1 | sed 's/^[^:]*:[[:space:]]*//; s/"//g'
}

call() {  # POST one request, Base64 on one line, and print the reply
    printf '%s' "$1" | base64 -w0 | curl -sS --max-time 30 -X POST --data-binary @- "$url"
}

auth="\"authUser\":$(json_string "$user"),\"authPass\":$(json_string "$password")"
reply=$(call "{\"actionName\":\"runTask\",$auth,\"taskId\":$task_id,\"mode\":\"asynchronous\"}") || exit 2
if [ "$(field returnCode "$reply")" != "0" ]; then
    echo "refused: $reply" >&2
    exit 2
fi
exec_id=$(field execRequestId "$reply")

while :; do
    sleep "$pause"
    status=$(call "{\"actionName\":\"getTaskExecutionStatus\",$auth,\"execRequestId\":\"$exec_id\"}") || exit 2
    if [ "$(field returnCode "$status")" != "0" ]; then
        echo "refused: $status" >&2
        exit 2
    fi
    exit_code=$(field jobExitCode "$status")
    [ -n "$exit_code" ] && break
done

echo "$status"
[ "$(field execBasicStatus "$status")" = "OK" ] && [ "$exit_code" = "0" ] && exit 0
exit 1
