# bash completion for protocolctl(1)                              -*- shell-script -*-
#
# Commands, options (global and per command), and the names only the daemon knows:
# the actions a protocol allows now (act ID <TAB>), its events (event ID <TAB>), an
# action's parameters (act ID ACTION <TAB>), the marketplaces (--marketplace,
# marketplaces <TAB>) and the states (--state). The words come from
# `protocolctl __complete WHAT`, run with the --socket/-c given on the line (else
# $PROTOCOLD_SOCKET, else the configuration, as for any command), so this file keeps
# no list of commands, options or names, only which options take a value. Without a
# daemon the daemon's words are simply none.
# Installed as /usr/share/bash-completion/completions/protocolctl.

# The options that take no value: any other option takes the next word.
_protocolctl_flag()
{
    case $1 in
    --json | -j | --no-legend | --help | -h | --version | --critical | --*=*) return 0 ;;
    esac
    return 1
}

_protocolctl()
{
    local cur prev words cword split
    _init_completion -s || return

    # The command, its positional arguments, and the global options that say where the
    # daemon is (they may also follow the command).
    local i w cmd= args=() globals=()
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
        --socket | -c | --config | --timeout)
            globals+=("$w" "${words[i + 1]}")
            ((i++))
            continue
            ;;
        --socket=* | --config=* | --timeout=*)
            globals+=("$w")
            continue
            ;;
        -*)
            _protocolctl_flag "$w" || ((i++))
            continue
            ;;
        esac
        if [[ -z $cmd ]]; then cmd=$w; else args+=("$w"); fi
    done
    local prog=${words[0]}
    __expand_tilde_by_ref prog 2>/dev/null # "~/bin/protocolctl" as typed
    local ask=("$prog" "${globals[@]}" __complete)

    case $prev in
    --socket | -c | --config)
        _filedir
        return
        ;;
    --state)
        COMPREPLY=($(compgen -W "$("${ask[@]}" states 2>/dev/null)" -- "$cur"))
        return
        ;;
    --marketplace)
        COMPREPLY=($(compgen -W "$("${ask[@]}" marketplaces 2>/dev/null)" -- "$cur"))
        return
        ;;
    --origin)
        COMPREPLY=($(compgen -W "customer preventive" -- "$cur"))
        return
        ;;
    --envvias)
        COMPREPLY=($(compgen -W "yes no" -- "$cur"))
        return
        ;;
    --timeout | --seller | --order | --reason | --opened-at | --due-before | --limit | \
        --after | --wait | --retry-for | --within | --if-version)
        return
        ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("${ask[@]}" options $cmd 2>/dev/null)" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$("${ask[@]}" commands 2>/dev/null)" -- "$cur"))
        return
    fi

    local n=${#args[@]} list=
    case $cmd in
    act)
        if ((n == 1)); then
            list=$("${ask[@]}" actions "${args[0]}" 2>/dev/null)
        elif ((n >= 2)); then
            list=$("${ask[@]}" params "${args[0]}" "${args[1]}" 2>/dev/null)
            compopt -o nospace 2>/dev/null
        fi
        ;;
    event)
        ((n == 1)) && list=$("${ask[@]}" events "${args[0]}" 2>/dev/null)
        ;;
    marketplaces)
        ((n == 0)) && list=$("${ask[@]}" marketplaces 2>/dev/null)
        ;;
    help)
        ((n == 0)) && list=$("${ask[@]}" commands 2>/dev/null)
        ;;
    clock)
        ((n == 0)) && list=now
        ;;
    import | backup)
        ((n == 0)) && _filedir
        return
        ;;
    esac
    COMPREPLY=($(compgen -W "$list" -- "$cur"))
} &&
    complete -F _protocolctl protocolctl

# ex: filetype=sh
