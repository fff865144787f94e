true; echo $?
false; echo $?
! true; echo $?
! false; echo $?
sh_fn() { return 3; }
! sh_fn; echo $?
(exit 256); echo $?
(exit 300); echo $?
