import click
@click.command('lint')
def lint():
    pass

