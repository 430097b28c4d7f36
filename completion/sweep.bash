# bash completion for sweep(1): commands, options, spec files (*.yaml, *.yml), results files
# (*.h5) and, after --set, the spec's keys (axis names after `grid.`). Needs bash alone (not
# the bash-completion package); installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/sweep.

_sweep_files() {   # files with the given extensions, and folders to descend into
    local cur=$1; shift
    local IFS=$'\n' ext f
    COMPREPLY+=($(compgen -d -S / -- "$cur"))
    for ext in "$@"; do
        for f in $(compgen -f -- "$cur"); do
            [[ $f == *."$ext" && ! -d $f ]] && COMPREPLY+=("$f")
        done
    done
}

_sweep() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    local commands="report merge compare verify"
    local cmd=
    ((COMP_CWORD > 1)) && [[ " $commands " == *" ${COMP_WORDS[1]} "* ]] && cmd=${COMP_WORDS[1]}
    local axes="hidden_dim learning_rate batch_size epochs seed init_scale shuffle optimizer momentum weight_decay activation init patience min_delta"
    case $cmd in
    report)
        case $prev in
        --top|--alpha) return ;;
        --html) _sweep_files "$cur" html; return ;;
        --by) COMPREPLY=($(compgen -W "$axes" -- "$cur")); return ;;
        --metric) COMPREPLY=($(compgen -W "final_val_loss final_val_acc best_val_loss final_test_loss final_test_acc final_train_loss final_train_acc" -- "$cur")); return ;;
        esac
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--top --by --metric --alpha --csv --html --help" -- "$cur"))
        else _sweep_files "$cur" h5; COMPREPLY+=($(compgen -W "$axes" -- "$cur")); fi
        return ;;
    merge)
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--force --allow-partial --quiet --help" -- "$cur"))
        else _sweep_files "$cur" h5; fi
        return ;;
    compare)
        case $prev in
        --by) COMPREPLY=($(compgen -W "$axes" -- "$cur")); return ;;
        --where)
            case $cur in   # the name axes' values by name
            optimizer=*) COMPREPLY=($(compgen -W "optimizer=sgd optimizer=momentum optimizer=nesterov optimizer=adam optimizer=adamw" -- "$cur")) ;;
            activation=*) COMPREPLY=($(compgen -W "activation=relu activation=tanh activation=leaky_relu" -- "$cur")) ;;
            init=*) COMPREPLY=($(compgen -W "init=normal init=xavier_uniform init=he_normal" -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "${axes// /= }=" -- "$cur")); compopt -o nospace 2>/dev/null ;;
            esac
            return ;;
        --metric) COMPREPLY=($(compgen -W "final_val_loss final_val_acc best_val_loss final_test_loss final_test_acc final_train_loss final_train_acc" -- "$cur")); return ;;
        --alpha|--rope) return ;;
        esac
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--by --where --metric --alpha --rope --csv --help" -- "$cur"))
        else _sweep_files "$cur" h5; fi
        return ;;
    verify)
        case $prev in --sample|--seed|-j|--threads) return ;; --data) _sweep_files "$cur" csv; return ;; esac
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--sample --seed -j --threads --data --help" -- "$cur"))
        else _sweep_files "$cur" h5; fi
        return ;;
    esac
    case $prev in
    -o|--output) _sweep_files "$cur" h5; return ;;
    -j|--threads|--shard) return ;;
    --set)
        local keys
        case $cur in
        grid.*) keys=$(printf 'grid.%s= ' $axes) ;;
        data.*) keys="data.source= data.label= data.task= data.classes= data.target_scale= data.test_fraction= data.split_seed= data.scale= data.folds= data.repeats=" ;;
        search.*) keys="search.method= search.n= search.seed=" ;;
        halving.*) keys="halving.factor= halving.min_epochs= halving.metric=" ;;
        *) keys="name= output= save_initial_weights= data. grid. search. halving." ;;
        esac
        COMPREPLY=($(compgen -W "$keys" -- "$cur"))
        compopt -o nospace 2>/dev/null
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--output --threads --dry-run --resume --force --shard --set --quiet --help --version" -- "$cur"))
        return
    fi
    ((COMP_CWORD == 1)) && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    _sweep_files "$cur" yaml yml
}
complete -F _sweep sweep
