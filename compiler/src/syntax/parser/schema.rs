//! Schema declarations (`type`, `enum`, `union`; the stdlib's) from pairs.

use super::expr::{expr_of, number_of};
use super::{docs_and_rest, ident_of, Ctx, Rule, P};
use crate::syntax::ast::*;

pub(super) fn type_decl_of(ctx: &mut Ctx, p: P) -> TypeDecl {
    let span = ctx.span(&p);
    let (docs, rest) = docs_and_rest(ctx, p);
    let name = ident_of(ctx, &rest[1]);
    if let Some(t) = rest.get(2).filter(|t| t.as_rule() == Rule::type_expr) {
        let alias = Some(type_expr_of(ctx, t.clone()));
        return TypeDecl {
            docs,
            name,
            fields: Vec::new(),
            alias,
            span,
        };
    }
    let fields = rest[2..]
        .iter()
        .cloned()
        .map(|f| field_decl_of(ctx, f))
        .collect();
    TypeDecl {
        docs,
        name,
        fields,
        alias: None,
        span,
    }
}

fn field_decl_of(ctx: &mut Ctx, p: P) -> FieldDecl {
    let span = ctx.span(&p);
    let (docs, rest) = docs_and_rest(ctx, p);
    let name = ident_of(ctx, &rest[0]);
    let ty = type_expr_of(ctx, rest[1].clone());
    let mut range = None;
    let mut default = None;
    for c in &rest[2..] {
        match c.as_rule() {
            Rule::range_bound => range = Some(range_bound_of(ctx, c.clone())),
            Rule::expr => default = Some(expr_of(ctx, c.clone())),
            _ => {}
        }
    }
    FieldDecl {
        docs,
        name,
        ty,
        range,
        default,
        span,
    }
}

fn range_bound_of(ctx: &mut Ctx, p: P) -> RangeBound {
    let span = ctx.span(&p);
    let text = p.as_str();
    let mut min = None;
    let mut max = None;
    for n in p.into_inner() {
        let lit = number_of(ctx, n.clone());
        if ctx.span(&n).start == span.start && !text.starts_with("..") {
            min = Some(lit);
        } else {
            max = Some(lit);
        }
    }
    RangeBound { min, max, span }
}

fn type_expr_of(ctx: &mut Ctx, p: P) -> TypeExpr {
    let span = ctx.span(&p);
    let mut atoms: Vec<TypeExpr> = p.into_inner().map(|a| type_atom_of(ctx, a)).collect();
    if atoms.len() == 1 {
        return atoms.pop().expect("len() == 1");
    }
    let optional = atoms.iter().any(|a| a.optional);
    TypeExpr {
        kind: TypeExprKind::Union(atoms),
        optional,
        span,
    }
}

fn type_atom_of(ctx: &mut Ctx, p: P) -> TypeExpr {
    let span = ctx.span(&p);
    let mut it = p.into_inner();
    let t = it.next().expect("grammar: type_atom has a type");
    let optional = it.next().is_some();
    let kind = match t.as_rule() {
        Rule::list_type => TypeExprKind::List(Box::new(type_expr_of(
            ctx,
            t.into_inner()
                .next()
                .expect("grammar: list_type has a type"),
        ))),
        Rule::map_type => {
            let mut key = None;
            let mut val = None;
            for c in t.into_inner() {
                match c.as_rule() {
                    Rule::map_key => key = c.into_inner().nth(1).map(|i| ident_of(ctx, &i)),
                    _ => val = Some(type_expr_of(ctx, c)),
                }
            }
            TypeExprKind::Map(key, Box::new(val.expect("grammar: map_type has a type")))
        }
        Rule::ref_type => TypeExprKind::Ref(ident_of(
            ctx,
            &t.into_inner().nth(1).expect("grammar: ref_type has a kind"),
        )),
        _ => {
            let mut inner = t.into_inner();
            let name = ident_of(ctx, &inner.next().expect("grammar: named_type has a name"));
            let arg = inner.next().map(|a| Box::new(type_expr_of(ctx, a)));
            TypeExprKind::Named(name, arg)
        }
    };
    TypeExpr {
        kind,
        optional,
        span,
    }
}

pub(super) fn enum_decl_of(ctx: &mut Ctx, p: P) -> EnumDecl {
    let span = ctx.span(&p);
    let (docs, rest) = docs_and_rest(ctx, p);
    let name = ident_of(ctx, &rest[1]);
    let variants = rest[2..]
        .iter()
        .cloned()
        .map(|v| {
            let (d, r) = docs_and_rest(ctx, v);
            (d, ident_of(ctx, &r[0]))
        })
        .collect();
    EnumDecl {
        docs,
        name,
        variants,
        span,
    }
}

pub(super) fn union_decl_of(ctx: &mut Ctx, p: P) -> UnionDecl {
    let span = ctx.span(&p);
    let (docs, rest) = docs_and_rest(ctx, p);
    let name = ident_of(ctx, &rest[1]);
    let arms = rest[2..]
        .iter()
        .cloned()
        .map(|v| {
            let (d, r) = docs_and_rest(ctx, v);
            (d, ident_of(ctx, &r[0]), ident_of(ctx, &r[1]))
        })
        .collect();
    UnionDecl {
        docs,
        name,
        arms,
        span,
    }
}
