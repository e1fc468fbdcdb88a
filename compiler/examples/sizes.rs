use stackc::syntax::ast::*;
fn main() {
    use std::mem::size_of;
    println!("Item {} Block {} Attr {} Entry {} Expr {} ExprKind {} StrLit {} NumberLit {} Path {} Ident {} Key {} Docs {} Label {}",
        size_of::<Item>(), size_of::<Block>(), size_of::<Attr>(), size_of::<Entry>(), size_of::<Expr>(), size_of::<ExprKind>(),
        size_of::<StrLit>(), size_of::<NumberLit>(), size_of::<Path>(), size_of::<Ident>(), size_of::<Key>(), size_of::<Docs>(), size_of::<Label>());
    println!(
        "Val {} ValKind {} Map {}",
        size_of::<stackc::value::Val>(),
        size_of::<stackc::value::ValKind>(),
        size_of::<stackc::value::Map>()
    );
}
